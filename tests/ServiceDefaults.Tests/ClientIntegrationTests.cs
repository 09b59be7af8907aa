using Imaging.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;
using StackExchange.Redis;

namespace ServiceDefaults.Tests;

/// <summary>
/// Aspire's client integrations as the services set them up (Aspire.Npgsql.EntityFrameworkCore.PostgreSQL with the short
/// retry policy, Aspire.StackExchange.Redis as an optional cache) and the MassTransit bus read the app host's connection
/// strings by name, connect to the real servers, and report each dependency in the health report, with the right status
/// when one is down.
/// </summary>
public sealed class ClientIntegrationTests(TestServers servers)
{
    [Fact]
    public async Task Each_integration_connects_by_name_and_reports_healthy()
    {
        var database = await servers.CreateDatabaseAsync(nameof(ClientIntegrationTests), TestContext.Current.CancellationToken);
        await using var app = await StartServiceAsync(new()
        {
            ["ConnectionStrings:appdb"] = database,
            ["ConnectionStrings:cache"] = servers.RedisConnectionString,
            ["ConnectionStrings:bus"] = servers.RabbitMQConnectionString,
        });

        var report = await WaitForReportAsync(app, r => r.Entries.Count == 4 && r.Status == HealthStatus.Healthy);

        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(["ProbeDbContext", "masstransit-bus", "redis:cache", "self"], report.Entries.Keys.Order(StringComparer.Ordinal));
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var context = scope.ServiceProvider.GetRequiredService<ProbeDbContext>();
            Assert.Equal(new NpgsqlConnectionStringBuilder(database).Database,
                await context.Database.SqlQueryRaw<string>("SELECT current_database() AS \"Value\"").SingleAsync(TestContext.Current.CancellationToken));
        }

        var key = TestServers.CreateKeyPrefix(nameof(ClientIntegrationTests)) + "probe";
        var redis = app.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        await redis.StringSetAsync(key, "value", TimeSpan.FromMinutes(1));
        Assert.Equal("value", (string?)await redis.StringGetAsync(key));
    }

    [Fact]
    public async Task Redis_down_makes_the_service_degraded_not_unhealthy()
    {
        var database = await servers.CreateDatabaseAsync("degraded", TestContext.Current.CancellationToken);
        await using var app = await StartServiceAsync(new()
        {
            ["ConnectionStrings:appdb"] = database,
            ["ConnectionStrings:cache"] = $"127.0.0.1:{UnusedPort()},password=x",
        });

        var report = await WaitForReportAsync(app, r => r.Entries.ContainsKey("redis:cache"));

        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.Equal(HealthStatus.Degraded, report.Entries["redis:cache"].Status);
        Assert.StartsWith("Redis does not answer; running without the cache", report.Entries["redis:cache"].Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, report.Entries["ProbeDbContext"].Status);
    }

    [Fact]
    public async Task PostgreSQL_down_makes_the_service_unhealthy_and_a_query_fails_after_the_short_retries()
    {
        await using var app = await StartServiceAsync(new()
        {
            ["ConnectionStrings:appdb"] = $"Host=127.0.0.1;Port={UnusedPort()};Username=postgres;Password=x;Database=none;Timeout=2",
        });

        var report = await WaitForReportAsync(app, r => r.Entries.ContainsKey("ProbeDbContext"));

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Equal(HealthStatus.Unhealthy, report.Entries["ProbeDbContext"].Status);
        await using var scope = app.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<ProbeDbContext>();
        // PostgresRetries.Short: two retries, then the failure reaches the caller (a 503 in the services), not six over minutes.
        var failed = await Assert.ThrowsAsync<Microsoft.EntityFrameworkCore.Storage.RetryLimitExceededException>(
            () => context.Database.SqlQueryRaw<int>("SELECT 1 AS \"Value\"").SingleAsync(TestContext.Current.CancellationToken));
        Assert.StartsWith("The maximum number of retries (2) was exceeded", failed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bus_says_how_to_provide_a_missing_connection_string()
    {
        var builder = WebApplication.CreateBuilder();

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddMessageBus("bus"));

        Assert.Equal(
            "Connection string 'bus' is missing. Start the service through the app host (dotnet run --project AppHost), "
            + "or set ConnectionStrings:bus in its configuration or the environment variable ConnectionStrings__bus.",
            error.Message);
    }

    [Fact]
    public void The_bus_refuses_a_connection_string_that_is_not_AMQP()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["ConnectionStrings:bus"] = "http://127.0.0.1:5672";

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddMessageBus("bus"));

        Assert.Equal("Connection string 'bus' must be an amqp:// or amqps:// URI, not http://.", error.Message);
    }

    private static async Task<WebApplication> StartServiceAsync(Dictionary<string, string?> connectionStrings)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(connectionStrings);
        builder.AddServiceDefaults();
        if (connectionStrings.ContainsKey("ConnectionStrings:appdb"))
        {
            builder.AddServiceDbContext<ProbeDbContext>("appdb");
        }

        if (connectionStrings.ContainsKey("ConnectionStrings:cache"))
        {
            builder.AddOptionalRedisClient("cache");
        }

        if (connectionStrings.ContainsKey("ConnectionStrings:bus"))
        {
            builder.AddMessageBus("bus");
        }

        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return app;
    }

    private static async Task<HealthReport> WaitForReportAsync(WebApplication app, Func<HealthReport, bool> done)
    {
        var health = app.Services.GetRequiredService<HealthCheckService>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        HealthReport report;
        do
        {
            report = await health.CheckHealthAsync(TestContext.Current.CancellationToken);
            if (done(report))
            {
                return report;
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        while (DateTime.UtcNow < deadline);

        return report;
    }

    private static int UnusedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A DbContext with no tables: enough to prove the integration's connection, health check and retries.</summary>
public sealed class ProbeDbContext(DbContextOptions<ProbeDbContext> options) : DbContext(options);
