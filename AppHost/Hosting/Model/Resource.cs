namespace AppHost.Hosting;

/// <summary>
/// A part of the application the host starts and watches. Aspire spreads this over annotations; here the few
/// facts the host needs are typed properties, so a reader sees the whole model in one place.
/// </summary>
public abstract class Resource(string name)
{
    public string Name { get; } = ValidateName(name);

    /// <summary>Resources that must be healthy before this one starts.</summary>
    public List<Resource> WaitsFor { get; } = [];

    /// <summary>Resources whose connection string or endpoints this one receives in its environment.</summary>
    public List<Resource> References { get; } = [];

    public List<Endpoint> Endpoints { get; } = [];

    /// <summary>Pages of the resource the dashboard links to (an API reference), as paths on its first HTTP endpoint.</summary>
    public List<ResourceLink> Links { get; } = [];

    public Dictionary<string, EnvironmentValue> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Folders the resource keeps data in (a named volume when published).</summary>
    public List<VolumeMount> Volumes { get; } = [];

    /// <summary>A short word for tables and state: postgres, redis, rabbitmq, database, project, executable.</summary>
    public abstract string Kind { get; }

    public Endpoint? FindEndpoint(string name) => Endpoints.FirstOrDefault(e => e.Name == name);

    internal static string ValidateName(string name)
    {
        // Same rule as Aspire: the name becomes part of environment variable names and DNS names.
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !char.IsAsciiLetter(name[0])
            || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-')) || name.EndsWith('-') || name.Contains("--"))
        {
            throw new ArgumentException(
                $"Resource name '{name}' is invalid: use ASCII letters, digits and single hyphens, starting with a letter, at most 64 characters.",
                nameof(name));
        }

        return name;
    }
}

/// <summary>A page of a resource for the dashboard to link to: a path on its first HTTP endpoint and the words to show.</summary>
public sealed record ResourceLink(string Path, string DisplayText);

/// <summary>A network endpoint of a resource. <see cref="Port"/> is the fixed host port, or null for a free one.</summary>
public sealed class Endpoint(string name, string scheme, int targetPort)
{
    public string Name { get; } = name;

    public string Scheme { get; } = scheme;

    /// <summary>The port inside a container (and the default of the server).</summary>
    public int TargetPort { get; } = targetPort;

    public int? Port { get; set; }

    /// <summary>Host ports in use, one per replica; filled when the application starts.</summary>
    public List<int> AllocatedPorts { get; } = [];

    public bool IsExternal { get; set; }

    /// <summary>An environment variable that receives the allocated port (Aspire's WithHttpEndpoint(env: ...)).</summary>
    public string? PortEnvironmentVariable { get; init; }

    public string UrlFor(int replica) => $"{Scheme}://localhost:{AllocatedPorts[replica]}";
}

/// <summary>A resource that other resources reach through a connection string.</summary>
public interface IResourceWithConnectionString
{
    string Name { get; }

    /// <summary>The connection string in Aspire's format for this kind of resource; known once ports are allocated.</summary>
    string GetConnectionString();

    /// <summary>The connection string as the model builds it, for wherever <paramref name="values"/> describes.</summary>
    string ConnectionStringExpression(ValueResolver values);
}
