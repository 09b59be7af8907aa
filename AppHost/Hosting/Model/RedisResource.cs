using System.Net.Sockets;
using System.Text;
using AppHost.Hosting.Runtimes;

namespace AppHost.Hosting;

public sealed class RedisResource(string name, ParameterResource password) : ServerResource(name, password)
{
    public override string Kind => "redis";

    // Aspire's format for Redis: StackExchange.Redis configuration string.
    public override string ConnectionStringExpression(ValueResolver values) =>
        $"{values.Host(this, PrimaryEndpoint)}:{values.Port(this, PrimaryEndpoint)},password={values.Parameter(PasswordParameter)}";

    internal override LocalServer CreateLocalServer(LocalServerContext context) => new RedisLocalServer(this, context);

    internal override IReadOnlyList<string> ContainerHealthCommand => ["CMD-SHELL", "redis-cli -a \"$REDIS_PASSWORD\" --no-auth-warning ping | grep -q PONG"];

    internal override ContainerSpec CreateContainerSpec(ValueResolver values) => new(
        Image: "docker.io/library/redis:7.4",
        TargetPort: PrimaryEndpoint.TargetPort,
        Environment: new Dictionary<string, string> { ["REDIS_PASSWORD"] = values.Parameter(PasswordParameter) },
        VolumeTarget: "/data",
        // Through a shell, so the password comes from the environment and stays out of the process list.
        Arguments: ["/bin/sh", "-c", "exec redis-server --requirepass \"$REDIS_PASSWORD\" --appendonly yes --save ''"]);

    internal override async Task ProbeAsync(CancellationToken cancellationToken)
    {
        // AUTH then PING over RESP: proves the server answers and the password is right.
        var (host, port) = ExistingConnectionString is null ? ("127.0.0.1", Port) : ParseEndpoint(ExistingConnectionString);
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, cancellationToken);
        var stream = client.GetStream();
        var password = ExistingConnectionString is null ? Password : ParsePassword(ExistingConnectionString);
        var request = password is null ? "PING\r\n" : $"AUTH {password}\r\nPING\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken);
        var buffer = new byte[256];
        var text = new StringBuilder();
        while (!text.ToString().Contains("+PONG", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                break;
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
            if (text.ToString().StartsWith('-'))
            {
                break;
            }
        }

        if (!text.ToString().Contains("+PONG", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Redis answered '{text.ToString().Trim()}' instead of PONG.");
        }
    }

    private static (string Host, int Port) ParseEndpoint(string configuration)
    {
        var first = configuration.Split(',')[0];
        var colon = first.LastIndexOf(':');
        return colon < 0 ? (first, 6379) : (first[..colon], int.Parse(first[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string? ParsePassword(string configuration) =>
        configuration.Split(',').Select(p => p.Trim())
            .FirstOrDefault(p => p.StartsWith("password=", StringComparison.OrdinalIgnoreCase))?["password=".Length..];
}
