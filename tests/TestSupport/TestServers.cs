using AppHost.Hosting;
using AppHost.Hosting.Testing;
using Npgsql;
using Xunit;

namespace Imaging.TestSupport;

/// <summary>
/// PostgreSQL, Redis and RabbitMQ started once per test assembly, through the same launcher and orchestrator the
/// app host uses (local processes from the Debian packages). Use it as an assembly fixture:
/// <c>[assembly: AssemblyFixture(typeof(TestServers))]</c>, and give each test class its own database and key prefix.
/// </summary>
public sealed class TestServers : IAsyncLifetime
{
    private DistributedApplication? _app;

    public string PostgresConnectionString { get; private set; } = "";

    public string RedisConnectionString { get; private set; } = "";

    public string RabbitMQConnectionString { get; private set; } = "";

    public DistributedApplication Application => _app ?? throw new InvalidOperationException("The servers have not started.");

    public async ValueTask InitializeAsync()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddPostgres("postgres");
        builder.AddRedis("redis");
        builder.AddRabbitMQ("messaging");
        _app = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await _app.StartAsync(timeout.Token);
        await _app.WaitForHealthyAsync(timeout.Token);
        PostgresConnectionString = (await _app.GetConnectionStringAsync("postgres"))!;
        RedisConnectionString = (await _app.GetConnectionStringAsync("redis"))!;
        RabbitMQConnectionString = (await _app.GetConnectionStringAsync("messaging"))!;
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
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
