using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;

namespace Imaging.LocalServers;

/// <summary>RabbitMQ from the Debian package, with Aspire's connection string (amqp://guest:…@{host}:{port}).</summary>
public sealed class LocalRabbitMQResource(string name, string command, string dataDirectory, ParameterResource password)
    : LocalServerResource(name, command, dataDirectory, password)
{
    public const string UserName = "guest";

    public override ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"amqp://{UserName}:{PasswordParameter:uri}@{Host}:{Port}");
}

public static class LocalRabbitMQExtensions
{
    /// <summary>
    /// rabbitmq-server called directly (the /usr/sbin wrapper switches user and writes under /var), every folder in
    /// {data}/{name}. Erlang's port mapper runs as a resource of its own ({name}-epmd, under the server on the dashboard)
    /// on a port of this run, so no epmd daemon outlives the app host and two app hosts never share one.
    /// </summary>
    public static IResourceBuilder<LocalRabbitMQResource> AddLocalRabbitMQ(this IDistributedApplicationBuilder builder, string name, LocalServerOptions options, int? port = null)
    {
        var command = LocalServerResource.RequireFile(Path.Combine(options.Binaries.RabbitMQBinDirectory, "rabbitmq-server"), "RabbitMQ", "rabbitmq-server");
        var epmdCommand = LocalServerResource.RequireFile(options.Binaries.Epmd, "Erlang's epmd (a dependency of RabbitMQ)", "rabbitmq-server");
        // No special characters, as Aspire's AddRabbitMQ: the password sits in a URI.
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var directory = Path.Combine(options.DataDirectory, name);
        var server = new LocalRabbitMQResource(name, command, directory, password);
        var epmdPort = LocalServerResource.FreePort();
        var distributionPort = LocalServerResource.FreePort();

        var epmdCheck = $"{name}-epmd_check";
        builder.Services.AddHealthChecks().AddAsyncCheck(epmdCheck, async cancellationToken =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, epmdPort, cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (SocketException refused)
            {
                return HealthCheckResult.Unhealthy($"epmd does not answer on port {epmdPort}: {refused.Message}");
            }
        });
        var epmd = builder.AddExecutable($"{name}-epmd", epmdCommand, directory,
                "-port", epmdPort.ToString(CultureInfo.InvariantCulture), "-address", "127.0.0.1")
            .WithHealthCheck(epmdCheck);

        var healthCheckKey = $"{name}_check";
        IConnection? connection = null;
        builder.Services.AddHealthChecks().AddRabbitMQ(async _ =>
            connection ??= await new ConnectionFactory { Uri = new Uri(server.RequireConnectionString()) }.CreateConnectionAsync(), name: healthCheckKey);

        var rabbitmq = builder.AddLocalServer(server, healthCheckKey, port)
            .WithIconName("Mailbox")
            .WithEnvironment("HOME", Path.Combine(directory, "home"))
            .WithEnvironment("RABBITMQ_NODENAME", $"{name}@localhost")
            .WithEnvironment("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .WithEnvironment("RABBITMQ_NODE_PORT", server.ListenPort.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("RABBITMQ_DIST_PORT", distributionPort.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("ERL_EPMD_ADDRESS", "127.0.0.1")
            .WithEnvironment("ERL_EPMD_PORT", epmdPort.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("RABBITMQ_MNESIA_BASE", Path.Combine(directory, "mnesia"))
            .WithEnvironment("RABBITMQ_LOG_BASE", Path.Combine(directory, "log"))
            .WithEnvironment("RABBITMQ_CONFIG_FILE", Path.Combine(directory, "rabbitmq"))
            .WithEnvironment("RABBITMQ_ENABLED_PLUGINS_FILE", Path.Combine(directory, "enabled_plugins"))
            .WithEnvironment("RABBITMQ_PID_FILE", Path.Combine(directory, "rabbitmq.pid"))
            // Without this the distribution port listens on every interface.
            .WithEnvironment("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "-kernel inet_dist_use_interface {127,0,0,1}")
            .WaitFor(epmd)
            .OnBeforeResourceStarted((resource, _, cancellationToken) => PrepareAsync(resource, cancellationToken));
        epmd.WithParentRelationship(rabbitmq);
        return rabbitmq;
    }

    /// <summary>
    /// Writes the configuration and a definitions file that RabbitMQ imports at every boot: the user's password is
    /// always the one in the app host's user secrets, even for a node made with another.
    /// </summary>
    private static async Task PrepareAsync(LocalRabbitMQResource server, CancellationToken cancellationToken)
    {
        foreach (var folder in new[] { "home", "mnesia", "log" })
        {
            Directory.CreateDirectory(Path.Combine(server.DataDirectory, folder));
        }

        var password = await server.PasswordParameter.GetValueAsync(cancellationToken) ?? "";
        var definitions = Path.Combine(server.DataDirectory, "definitions.json");
        await LocalServerResource.WritePrivateFileAsync(definitions, JsonSerializer.Serialize(new
        {
            users = new[] { new { name = LocalRabbitMQResource.UserName, password_hash = PasswordHash(password), hashing_algorithm = "rabbit_password_hashing_sha256", tags = new[] { "administrator" } } },
            vhosts = new[] { new { name = "/" } },
            permissions = new[] { new { user = LocalRabbitMQResource.UserName, vhost = "/", configure = ".*", write = ".*", read = ".*" } },
        }), cancellationToken);
        await LocalServerResource.WritePrivateFileAsync(Path.Combine(server.DataDirectory, "rabbitmq.conf"), string.Join('\n',
            "loopback_users = none",
            $"load_definitions = {definitions}",
            "log.console = true",
            "log.console.level = info",
            "log.file = false") + "\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(server.DataDirectory, "enabled_plugins"), "[].\n", cancellationToken);
    }

    /// <summary>RabbitMQ's rabbit_password_hashing_sha256: base64(salt ‖ SHA-256(salt ‖ password)) with a 4-byte random salt.</summary>
    internal static string PasswordHash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(4);
        var hash = SHA256.HashData([.. salt, .. Encoding.UTF8.GetBytes(password)]);
        return Convert.ToBase64String([.. salt, .. hash]);
    }
}
