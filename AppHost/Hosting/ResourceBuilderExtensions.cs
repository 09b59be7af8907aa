using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting;

/// <summary>The Aspire verbs that connect resources: references, start order, health, replicas, environment.</summary>
public static class ResourceBuilderExtensions
{
    /// <summary>Gives the resource the other's connection string (ConnectionStrings__{name}) or service endpoints (services__{name}__http__N).</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<Resource> source)
        where T : Resource
    {
        if (source.Resource is not IResourceWithConnectionString && source.Resource.Endpoints.Count == 0)
        {
            throw new InvalidOperationException(
                $"'{builder.Resource.Name}' cannot reference '{source.Resource.Name}': it has neither a connection string nor endpoints.");
        }

        if (!builder.Resource.References.Contains(source.Resource))
        {
            builder.Resource.References.Add(source.Resource);
        }

        return builder;
    }

    /// <summary>Starts the resource only once the other is healthy; if the other fails to start, this one never starts.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<Resource> dependency)
        where T : Resource
    {
        if (ReferenceEquals(builder.Resource, dependency.Resource))
        {
            throw new InvalidOperationException($"'{builder.Resource.Name}' cannot wait for itself.");
        }

        if (!builder.Resource.WaitsFor.Contains(dependency.Resource))
        {
            builder.Resource.WaitsFor.Add(dependency.Resource);
        }

        return builder;
    }

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string value)
        where T : Resource
    {
        builder.Resource.Environment[name] = value;
        return builder;
    }

    /// <summary>Gives the resource a parameter's value: the value here, a variable or Secret when published.</summary>
    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, IResourceBuilder<ParameterResource> parameter)
        where T : Resource
    {
        builder.Resource.Environment[name] = new ParameterValue(parameter.Resource);
        return builder;
    }

    /// <summary>
    /// A folder the resource keeps data in, passed to it as <paramref name="environmentVariable"/>: {data}/{name} when run
    /// here, a named volume mounted at <paramref name="target"/> when published.
    /// </summary>
    public static IResourceBuilder<T> WithVolume<T>(this IResourceBuilder<T> builder, string name, string target, string environmentVariable)
        where T : Resource
    {
        Resource.ValidateName(name);
        var volume = new VolumeMount(name, target, Path.Combine(builder.ApplicationBuilder.DataDirectory, name));
        builder.Resource.Volumes.Add(volume);
        builder.Resource.Environment[environmentVariable] = new VolumePathValue(volume);
        return builder;
    }

    /// <summary>
    /// Passes a section of the app host's configuration on as the resource's environment, under the same keys as .NET
    /// configuration reads them back (section Settings with Xnat:BaseUrl gives Xnat__BaseUrl). Values set later win.
    /// </summary>
    public static IResourceBuilder<T> WithConfiguration<T>(this IResourceBuilder<T> builder, IConfigurationSection section)
        where T : Resource
    {
        foreach (var (key, value) in section.AsEnumerable(makePathsRelative: true))
        {
            if (value is null)
            {
                continue;
            }

            var variable = key.Replace(":", "__", StringComparison.Ordinal);
            if (LooksSecret(key))
            {
                // A password or key in the settings is published as a secret parameter (.env, a Secret), never inline.
                var name = $"{builder.Resource.Name}-{string.Concat(key.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-'))}";
                var parameter = builder.ApplicationBuilder.AddParameter(new ParameterResource(Resource.ValidateName(name), () => value, secret: true));
                builder.Resource.Environment[variable] = new ParameterValue(parameter.Resource);
            }
            else
            {
                builder.Resource.Environment[variable] = value;
            }
        }

        return builder;
    }

    /// <summary>Healthy means GET {path} on every replica's http endpoint answers 200.</summary>
    public static IResourceBuilder<ProjectResource> WithHttpHealthCheck(this IResourceBuilder<ProjectResource> builder, string path = "/health")
    {
        builder.Resource.HealthCheckPath = NormalisePath(path);
        return builder;
    }

    public static IResourceBuilder<ExecutableResource> WithHttpHealthCheck(this IResourceBuilder<ExecutableResource> builder, string path = "/health")
    {
        if (builder.Resource.FindEndpoint("http") is null)
        {
            throw new InvalidOperationException($"'{builder.Resource.Name}' needs an http endpoint (WithHttpEndpoint) for an HTTP health check.");
        }

        builder.Resource.HealthCheckPath = NormalisePath(path);
        return builder;
    }

    public static IResourceBuilder<ExecutableResource> WithHttpEndpoint(this IResourceBuilder<ExecutableResource> builder, int? port = null, string? env = null)
    {
        builder.Resource.Endpoints.Add(new Endpoint("http", "http", port ?? 0) { Port = port, PortEnvironmentVariable = env });
        return builder;
    }

    /// <summary>
    /// Makes the project a job (as Aspire shows a resource that completes): it runs once after what it waits for, ends
    /// Finished or Exited, is not restarted, and is not waited for by WaitForHealthyAsync. <paramref name="notesWhenFinished"/>
    /// gives lines the app host prints once the job has finished.
    /// </summary>
    public static IResourceBuilder<ProjectResource> RunToCompletion(this IResourceBuilder<ProjectResource> builder, Func<IReadOnlyList<string>>? notesWhenFinished = null)
    {
        builder.Resource.RunsToCompletion = true;
        builder.Resource.NotesWhenFinished = notesWhenFinished;
        return builder;
    }

    public static IResourceBuilder<ProjectResource> WithReplicas(this IResourceBuilder<ProjectResource> builder, int replicas)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        builder.Resource.Replicas = replicas;
        return builder;
    }

    /// <summary>Marks the http endpoints as reachable from outside the application (used by publishing).</summary>
    /// <summary>A page of the resource the dashboard links to, as Aspire's WithUrl: a path on its first HTTP endpoint.</summary>
    public static IResourceBuilder<T> WithUrl<T>(this IResourceBuilder<T> builder, string path, string displayText)
        where T : Resource
    {
        if (!path.StartsWith('/') || path.StartsWith("//", StringComparison.Ordinal) || string.IsNullOrWhiteSpace(displayText))
        {
            throw new ArgumentException($"'{builder.Resource.Name}': a link is a path starting with a single '/' (such as /scalar/v1) and words to show.", nameof(path));
        }

        builder.Resource.Links.Add(new ResourceLink(path, displayText));
        return builder;
    }

    public static IResourceBuilder<T> WithExternalHttpEndpoints<T>(this IResourceBuilder<T> builder)
        where T : Resource
    {
        foreach (var endpoint in builder.Resource.Endpoints.Where(e => e.Scheme is "http" or "https"))
        {
            endpoint.IsExternal = true;
        }

        return builder;
    }

    private static bool LooksSecret(string key)
    {
        var last = key[(key.LastIndexOf(':') + 1)..];
        return new[] { "Password", "Secret", "Key", "Token" }.Any(word => last.EndsWith(word, StringComparison.OrdinalIgnoreCase));
    }

    private static string NormalisePath(string path) => path.StartsWith('/') ? path : "/" + path;
}
