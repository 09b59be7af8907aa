using Microsoft.Extensions.Configuration;

namespace AppHost.Model;

/// <summary>A named folder a project keeps data in: a folder in {data} when run here, a volume at Target when published.</summary>
public sealed record ProjectVolumeAnnotation(string Name, string Target) : IResourceAnnotation;

/// <summary>The few things the model needs that Aspire does not say in one call.</summary>
public static class ModelExtensions
{
    /// <summary>
    /// A secret the model generates: Parameters:{name} from configuration, else 32 random letters and digits, kept in
    /// the app host's user secrets (run mode) so every run and every replica gets the same one.
    /// </summary>
    public static IResourceBuilder<ParameterResource> AddSecret(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

    /// <summary>
    /// Gives the project a data folder through <paramref name="environmentVariable"/>: {data}/{name} when run here (made
    /// if missing), and a named volume mounted at <paramref name="target"/> in the compose and Kubernetes outputs.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDataFolder(this IResourceBuilder<ProjectResource> project, string name, string target,
        string environmentVariable, string dataDirectory)
    {
        if (project.ApplicationBuilder.ExecutionContext.IsPublishMode)
        {
            return project.WithAnnotation(new ProjectVolumeAnnotation(name, target)).WithEnvironment(environmentVariable, target);
        }

        var folder = Path.Combine(dataDirectory, name);
        Directory.CreateDirectory(folder);
        return project.WithEnvironment(environmentVariable, folder);
    }

    /// <summary>
    /// Passes a section of the app host's configuration on as environment variables, under the keys .NET configuration
    /// reads back (section Settings with Xnat:BaseUrl gives Xnat__BaseUrl). A value whose key says it is a password, key,
    /// secret or token becomes a secret parameter, so a published file never holds it in the clear.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithConfiguration(this IResourceBuilder<ProjectResource> project, IConfigurationSection section)
    {
        foreach (var (key, value) in section.AsEnumerable(makePathsRelative: true))
        {
            if (value is null)
            {
                continue;
            }

            var variable = key.Replace(":", "__", StringComparison.Ordinal);
            var last = key[(key.LastIndexOf(':') + 1)..];
            if (new[] { "Password", "Secret", "Key", "Token" }.Any(word => last.EndsWith(word, StringComparison.OrdinalIgnoreCase)))
            {
                var name = $"{project.Resource.Name}-{string.Concat(key.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-'))}";
                project.WithEnvironment(variable, project.ApplicationBuilder.AddParameter(name, value, secret: true));
            }
            else
            {
                project.WithEnvironment(variable, value);
            }
        }

        return project;
    }

    /// <summary>ResultsApi's viewer (/viewer/, docs/viewer.md), linked from its row on the dashboard.</summary>
    public static IResourceBuilder<ProjectResource> WithViewer(this IResourceBuilder<ProjectResource> project) =>
        project.WithUrlForEndpoint("http", _ => new ResourceUrlAnnotation { Url = "/viewer/", DisplayText = "Viewer" });

    /// <summary>The service's interactive API reference (Scalar, /scalar/v1), linked from its row on the dashboard.</summary>
    public static IResourceBuilder<ProjectResource> WithApiReference(this IResourceBuilder<ProjectResource> project) =>
        project.WithUrlForEndpoint("http", _ => new ResourceUrlAnnotation { Url = "/scalar/v1", DisplayText = "API reference" });
}
