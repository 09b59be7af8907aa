using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EndToEnd.Tests;

[Collection(WholeApplicationCollection.Name)]
public sealed class WholeApplicationTests(WholeApplication whole)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("resultsapi", new[] { "self", "ResultsDbContext", "redis:redis", "masstransit-bus" })]
    [InlineData("workflowworker", new[] { "self", "masstransit-bus" })]
    [InlineData("imagingimport", new[] { "self", "ImportDbContext", "redis:redis" })]
    public async Task Every_service_reports_each_of_its_dependencies_healthy(string service, string[] checks)
    {
        using var client = whole.App.CreateHttpClient(service);

        using var response = await client.GetAsync("/health", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var report = JsonDocument.Parse(body);
        Assert.Equal("Healthy", report.RootElement.GetProperty("status").GetString());
        var entries = report.RootElement.GetProperty("entries");
        Assert.Equal(checks.Order(StringComparer.Ordinal), entries.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.All(entries.EnumerateObject(), e => Assert.Equal("Healthy", e.Value.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Services_receive_Aspires_environment_with_the_running_servers_connection_strings()
    {
        var apiEnvironment = ProcessTable.EnvironmentOf(Assert.Single(whole.Run.Pids("resultsapi")));
        var workerEnvironment = ProcessTable.EnvironmentOf(Assert.Single(whole.Run.Pids("workflowworker")));

        Assert.Equal(await whole.App.GetConnectionStringAsync("resultsdb", Ct), apiEnvironment["ConnectionStrings__resultsdb"]);
        // The formats of Aspire's PostgreSQL, Redis and RabbitMQ resources, on the local servers' own loopback ports.
        Assert.Matches(@"^Host=127\.0\.0\.1;Port=\d+;Username=postgres;Password=[^;]{22,};Database=resultsdb$", apiEnvironment["ConnectionStrings__resultsdb"]);
        Assert.Matches(@"^127\.0\.0\.1:\d+,password=[A-Za-z0-9]{22,}$", apiEnvironment["ConnectionStrings__redis"]);
        Assert.Matches(@"^amqp://guest:[A-Za-z0-9]{22,}@127\.0\.0\.1:\d+$", apiEnvironment["ConnectionStrings__messaging"]);
        Assert.Equal(whole.App.GetEndpoint("resultsapi", "http").ToString().TrimEnd('/'), workerEnvironment["services__resultsapi__http__0"]);
        Assert.Equal("resultsapi", apiEnvironment["OTEL_SERVICE_NAME"]);
        Assert.Matches(@"^http://localhost:\d+$", apiEnvironment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Matches("^x-otlp-api-key=.+$", apiEnvironment["OTEL_EXPORTER_OTLP_HEADERS"]);
        Assert.False(workerEnvironment.ContainsKey("ConnectionStrings__resultsdb"), "the worker is stateless and must not see the results database");
    }

    [Fact]
    public async Task Every_service_sends_its_logs_to_the_dashboard()
    {
        using var dashboard = whole.DashboardApi();

        var services = new HashSet<string>();
        for (var attempt = 0; attempt < 100 && !services.IsSupersetOf(["resultsapi", "workflowworker", "imagingimport"]); attempt++)
        {
            services = [.. (await Dashboard.LogRecordsAsync(dashboard, Ct)).Select(r => r.Service)];
            await Task.Delay(200, Ct);
        }

        Assert.Superset(new HashSet<string> { "resultsapi", "workflowworker", "imagingimport" }, services);
    }

    [Fact]
    public async Task A_service_killed_with_SIGKILL_shows_its_exit_code_and_the_start_command_brings_it_back_healthy()
    {
        var pid = Assert.Single(whole.Run.Pids("imagingimport"));

        System.Diagnostics.Process.GetProcessById(pid).Kill();
        using var timeout = new CancellationTokenSource(Patience);
        var exited = await whole.App.ResourceNotifications.WaitForResourceAsync("imagingimport",
            e => e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state), timeout.Token);
        Assert.Equal(137, exited.Snapshot.ExitCode);

        // Aspire restarts nothing by itself in development (a container platform does in production): the dashboard's Start.
        await whole.App.ExecuteCommandAsync("imagingimport", KnownResourceCommands.StartCommand, timeout.Token);
        await whole.App.WaitRunningHealthyAsync("imagingimport", timeout.Token);
        Assert.NotEqual(pid, Assert.Single(whole.Run.Pids("imagingimport")));
        using var client = whole.App.CreateHttpClient("imagingimport");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health", Ct)).StatusCode);
    }
}

/// <summary>Its own run of the whole application, so that tearing it down can be checked.</summary>
public sealed class TearDownTests
{
    [Fact]
    public async Task After_tear_down_no_process_or_port_of_the_run_is_left()
    {
        var run = await AppHostTesting.StartAsync<Projects.AppHost>([]);
        var app = run.App;
        string[] resources = ["postgres", "redis", "messaging", "messaging-epmd", "resultsapi", "workflowworker", "imagingimport"];
        var pids = resources.SelectMany(run.Pids).ToList();
        var ports = new List<int>();
        foreach (var name in new[] { "postgres", "redis", "messaging", "resultsapi", "imagingimport" })
        {
            ports.Add(app.GetEndpoint(name, name is "resultsapi" or "imagingimport" ? "http" : "tcp").Port);
        }

        Assert.Equal(resources.Length, pids.Count);
        Assert.NotEmpty(ProcessTable.FindByCommandLine(run.DataDirectory));

        await run.DisposeAsync();

        Assert.All(pids, pid => Assert.False(ProcessTable.IsAlive(pid), $"process {pid} outlived the run"));
        Assert.All(ports, port => Assert.True(ProcessTable.IsPortFree(port), $"port {port} is still held"));
        Assert.Empty(ProcessTable.FindByCommandLine(run.DataDirectory));
        Assert.False(Directory.Exists(run.DataDirectory));
    }
}
