using Imaging.LocalServers;
using Npgsql;
using Xunit;

namespace Imaging.TestSupport;

/// <summary>
/// PostgreSQL, Redis and RabbitMQ started once per test assembly as the app host starts them where no container engine
/// answers: Aspire executable resources (LocalServers) running the Debian packages' binaries under Aspire's DCP, through
/// Aspire.Hosting.Testing. Use it as an assembly fixture, <c>[assembly: AssemblyFixture(typeof(TestServers))]</c>, and
/// give each test class its own database and key prefix.
/// </summary>
public sealed class TestServers : IAsyncLifetime
{
    private LocalServersApplication? _servers;

    public string PostgresConnectionString { get; private set; } = "";

    public string RedisConnectionString { get; private set; } = "";

    public string RabbitMQConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        _servers = await LocalServersApplication.StartAsync("servers", (builder, options) =>
        {
            builder.AddLocalPostgres("postgres", options);
            builder.AddLocalRedis("redis", options);
            builder.AddLocalRabbitMQ("messaging", options);
        }, "postgres", "redis", "messaging");
        PostgresConnectionString = new NpgsqlConnectionStringBuilder(await _servers.ConnectionStringAsync("postgres")) { Database = "postgres" }.ConnectionString;
        RedisConnectionString = await _servers.ConnectionStringAsync("redis");
        RabbitMQConnectionString = await _servers.ConnectionStringAsync("messaging");
    }

    /// <summary>A fresh database for one test class; its name carries <paramref name="prefix"/> and a random suffix.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix, CancellationToken cancellationToken = default)
    {
        // PostgreSQL identifiers hold 63 bytes: up to 30 of the prefix, an underscore, 32 of the GUID.
        var name = $"{new string([.. prefix.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(30)])}_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(PostgresConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new NpgsqlConnectionStringBuilder(PostgresConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>A key prefix no other test class uses.</summary>
    public static string CreateKeyPrefix(string prefix) => $"{prefix}:{Guid.NewGuid():N}:";

    public async ValueTask DisposeAsync()
    {
        if (_servers is not null)
        {
            await _servers.DisposeAsync();
        }
    }
}
