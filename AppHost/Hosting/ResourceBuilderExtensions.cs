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

    /// <summary>
    /// Passes a section of the app host's configuration on as the resource's environment, under the same keys as .NET
    /// configuration reads them back (section Settings with Xnat:BaseUrl gives Xnat__BaseUrl). Values set later win.
    /// </summary>
    public static IResourceBuilder<T> WithConfiguration<T>(this IResourceBuilder<T> builder, IConfigurationSection section)
        where T : Resource
    {
        foreach (var (key, value) in section.AsEnumerable(makePathsRelative: true))
        {
            if (value is not null)
            {
                builder.Resource.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
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

    public static IResourceBuilder<ProjectResource> WithReplicas(this IResourceBuilder<ProjectResource> builder, int replicas)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        builder.Resource.Replicas = replicas;
        return builder;
    }

    /// <summary>Marks the http endpoints as reachable from outside the application (used by publishing).</summary>
    public static IResourceBuilder<T> WithExternalHttpEndpoints<T>(this IResourceBuilder<T> builder)
        where T : Resource
    {
        foreach (var endpoint in builder.Resource.Endpoints.Where(e => e.Scheme is "http" or "https"))
        {
            endpoint.IsExternal = true;
        }

        return builder;
    }

    private static string NormalisePath(string path) => path.StartsWith('/') ? path : "/" + path;
}
