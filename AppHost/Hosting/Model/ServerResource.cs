using AppHost.Hosting.Runtimes;

namespace AppHost.Hosting;

/// <summary>
/// A server the application needs (PostgreSQL, Redis, RabbitMQ). It runs as a container where an engine answers,
/// otherwise as a local process from the machine's own binaries, or not at all when configuration names an
/// existing server through ConnectionStrings:{name}.
/// </summary>
public abstract class ServerResource(string name, string password) : Resource(name), IResourceWithConnectionString
{
    public string Password { get; } = password;

    /// <summary>Set when the app host's configuration gives ConnectionStrings:{name}: that server is used as it is.</summary>
    public string? ExistingConnectionString { get; internal set; }

    public Endpoint PrimaryEndpoint => Endpoints[0];

    public int Port => PrimaryEndpoint.AllocatedPorts[0];

    public string GetConnectionString() => ExistingConnectionString ?? BuildConnectionString();

    protected abstract string BuildConnectionString();

    /// <summary>How this server runs as a local process.</summary>
    internal abstract LocalServer CreateLocalServer(LocalServerContext context);

    /// <summary>How this server runs as a container.</summary>
    internal abstract ContainerSpec CreateContainerSpec();

    /// <summary>Answers whether the server accepts work: a real protocol exchange, not just an open port.</summary>
    internal abstract Task ProbeAsync(CancellationToken cancellationToken);
}
