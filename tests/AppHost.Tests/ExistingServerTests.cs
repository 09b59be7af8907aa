using AppHost.Hosting;
using AppHost.Hosting.Orchestration;
using AppHost.Hosting.Testing;
using Npgsql;

namespace AppHost.Tests;

/// <summary>ConnectionStrings:{name} in the app host's configuration uses a server that already runs, as Aspire's AddConnectionString.</summary>
public sealed class ExistingServerTests
{
    [Fact]
    public async Task A_configured_connection_string_replaces_the_server_and_its_databases_are_created_there()
    {
        // A real PostgreSQL started by one app host plays the "existing" server for a second one.
        var serverBuilder = DistributedApplicationTestingBuilder.Create();
        serverBuilder.AddPostgres("pg");
        await using var server = serverBuilder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await server.StartAsync(timeout.Token);
        await server.WaitForHealthyAsync(timeout.Token);
        var existing = (await server.GetConnectionStringAsync("pg", timeout.Token))!;

        var builder = DistributedApplicationTestingBuilder.Create($"--ConnectionStrings:postgres={existing}");
        builder.AddPostgres("postgres").AddDatabase("reportsdb");
        await using var app = builder.Build();
        await app.StartAsync(timeout.Token);
        await app.WaitForHealthyAsync(timeout.Token);

        var postgres = app.ResourceNotifications.Get("postgres")!;
        Assert.Equal("existing", postgres.Runtime);
        Assert.Empty(postgres.Pids);
        Assert.Equal(existing + ";Database=reportsdb", await app.GetConnectionStringAsync("reportsdb", timeout.Token));
        await using var connection = new NpgsqlConnection(existing);
        await connection.OpenAsync(timeout.Token);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = 'reportsdb'", connection);
        Assert.Equal(1L, await command.ExecuteScalarAsync(timeout.Token));
    }

    [Fact]
    public async Task An_existing_server_that_does_not_answer_fails_the_start_with_what_to_check()
    {
        var builder = DistributedApplicationTestingBuilder.Create(
            "--ConnectionStrings:cache=127.0.0.1:1,password=x", "--AppHost:ServerStartTimeoutSeconds=1");
        builder.AddRedis("cache");
        await using var app = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await app.StartAsync(timeout.Token);
        var error = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.WaitForHealthyAsync(timeout.Token));

        Assert.StartsWith("cache: the server named by ConnectionStrings:cache does not answer", error.Message, StringComparison.Ordinal);
        Assert.Equal(KnownResourceStates.FailedToStart, app.ResourceNotifications.Get("cache")!.State);
    }
}
