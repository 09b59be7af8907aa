using AppHost.Hosting.Runtimes;

namespace AppHost.Hosting;

/// <summary>
/// A server the application needs (PostgreSQL, Redis, RabbitMQ). It runs as a container where an engine answers,
/// otherwise as a local process from the machine's own binaries, or not at all when configuration names an
/// existing server through ConnectionStrings:{name}.
/// </summary>
public abstract class ServerResource(string name, ParameterResource password) : Resource(name), IResourceWithConnectionString
{
    public ParameterResource PasswordParameter { get; } = password;

    public string Password => PasswordParameter.Value;

    /// <summary>Set when the app host's configuration gives ConnectionStrings:{name}: that server is used as it is.</summary>
    public string? ExistingConnectionString { get; internal set; }

    public Endpoint PrimaryEndpoint => Endpoints[0];

    public int Port => PrimaryEndpoint.AllocatedPorts[0];

    public string GetConnectionString() => ExistingConnectionString ?? ConnectionStringExpression(RunValues.Instance);

    public abstract string ConnectionStringExpression(ValueResolver values);

    /// <summary>How this server runs as a local process.</summary>
    internal abstract LocalServer CreateLocalServer(LocalServerContext context);

    /// <summary>How this server runs as a container, with values for where it runs.</summary>
    internal abstract ContainerSpec CreateContainerSpec(ValueResolver values);

    internal ContainerSpec CreateContainerSpec() => CreateContainerSpec(RunValues.Instance);

    /// <summary>A command run inside the container that succeeds once the server takes work; null when the image offers none.</summary>
    internal abstract IReadOnlyList<string>? ContainerHealthCommand { get; }

    /// <summary>Answers whether the server accepts work: a real protocol exchange, not just an open port.</summary>
    internal abstract Task ProbeAsync(CancellationToken cancellationToken);
}
