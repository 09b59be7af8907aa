using AppHost.Hosting.Runtimes;
using RabbitMQ.Client;

namespace AppHost.Hosting;

public sealed class RabbitMQServerResource(string name, ParameterResource password) : ServerResource(name, password)
{
    public const string UserName = "guest";

    public override string Kind => "rabbitmq";

    // Aspire's format for RabbitMQ: an AMQP URI.
    public override string ConnectionStringExpression(ValueResolver values) =>
        $"amqp://{UserName}:{values.Parameter(PasswordParameter)}@{values.Host(this, PrimaryEndpoint)}:{values.Port(this, PrimaryEndpoint)}";

    internal override LocalServer CreateLocalServer(LocalServerContext context) => new RabbitMQLocalServer(this, context);

    internal override IReadOnlyList<string> ContainerHealthCommand => ["CMD", "rabbitmq-diagnostics", "-q", "ping"];

    internal override ContainerSpec CreateContainerSpec(ValueResolver values) => new(
        Image: "docker.io/library/rabbitmq:3.13-management",
        TargetPort: PrimaryEndpoint.TargetPort,
        Environment: new Dictionary<string, string>
        {
            ["RABBITMQ_DEFAULT_USER"] = UserName,
            ["RABBITMQ_DEFAULT_PASS"] = values.Parameter(PasswordParameter),
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
