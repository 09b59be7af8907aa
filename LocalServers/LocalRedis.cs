using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace Imaging.LocalServers;

/// <summary>redis-server from the Debian package, with Aspire's connection string ({host}:{port},password=…).</summary>
public sealed class LocalRedisResource(string name, string command, string dataDirectory, ParameterResource password)
    : LocalServerResource(name, command, dataDirectory, password)
{
    public string ConfigFile => Path.Combine(DataDirectory, "redis.conf");

    public override ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Host}:{Port},password={PasswordParameter}");
}

public static class LocalRedisExtensions
{
    /// <summary>Redis in the foreground, configured by a file written at each start (the password stays off the command line).</summary>
    public static IResourceBuilder<LocalRedisResource> AddLocalRedis(this IDistributedApplicationBuilder builder, string name, LocalServerOptions options, int? port = null)
    {
        var command = LocalServerResource.RequireFile(options.Binaries.RedisServer, "Redis", "redis-server");
        // No special characters, as Aspire's AddRedis: the password sits in a comma-separated connection string.
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var server = new LocalRedisResource(name, command, Path.Combine(options.DataDirectory, name), password);
        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(_ => server.RequireConnectionString(), name: healthCheckKey);
        return builder.AddLocalServer(server, healthCheckKey, port)
            .WithIconName("Memory")
            .WithArgs(server.ConfigFile)
            .OnBeforeResourceStarted(async (resource, _, cancellationToken) =>
            {
                // Redis holds only what may be lost (cache, counters, locks); the append-only file keeps it across restarts anyway.
                var configuration = string.Join('\n',
                    $"port {resource.ListenPort.ToString(CultureInfo.InvariantCulture)}",
                    "bind 127.0.0.1",
                    "protected-mode yes",
                    "daemonize no",
                    $"dir {resource.DataDirectory}",
                    $"requirepass {await resource.PasswordParameter.GetValueAsync(cancellationToken)}",
                    "appendonly yes",
                    "save \"\"",
                    "logfile \"\"") + "\n";
                await LocalServerResource.WritePrivateFileAsync(resource.ConfigFile, configuration, cancellationToken);
            });
    }
}
