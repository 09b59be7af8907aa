using AppHost.Hosting.Runtimes;
using RabbitMQ.Client;

namespace AppHost.Hosting;

public sealed class RabbitMQServerResource(string name, string password) : ServerResource(name, password)
{
    public const string UserName = "guest";

    public override string Kind => "rabbitmq";

    // Aspire's format for RabbitMQ: an AMQP URI.
    protected override string BuildConnectionString() => $"amqp://{UserName}:{Password}@127.0.0.1:{Port}";

    internal override LocalServer CreateLocalServer(LocalServerContext context) => new RabbitMQLocalServer(this, context);

    internal override ContainerSpec CreateContainerSpec() => new(
        Image: "docker.io/library/rabbitmq:3.13-management",
        TargetPort: PrimaryEndpoint.TargetPort,
        Environment: new Dictionary<string, string>
        {
            ["RABBITMQ_DEFAULT_USER"] = UserName,
            ["RABBITMQ_DEFAULT_PASS"] = Password,
        },
        VolumeTarget: "/var/lib/rabbitmq",
        Arguments: []);

    internal override async Task ProbeAsync(CancellationToken cancellationToken)
    {
        // A full AMQP handshake with the credentials: the port opens seconds before the broker takes connections.
        var factory = new ConnectionFactory
        {
            Uri = new Uri(GetConnectionString()),
            RequestedConnectionTimeout = TimeSpan.FromSeconds(3),
            AutomaticRecoveryEnabled = false,
        };
        await using var connection = await factory.CreateConnectionAsync("apphost-health", cancellationToken);
        await connection.CloseAsync(cancellationToken);
    }
}
