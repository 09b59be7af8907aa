using System.Net;
using System.Text.Json;
using AppHost;
using AppHost.Hosting.Orchestration;
using AppHost.Hosting.Testing;
using Imaging.TestSupport;

namespace EndToEnd.Tests;

public sealed class WholeApplicationTests(WholeApplication whole) : IClassFixture<WholeApplication>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("resultsapi", new[] { "self", "ResultsDbContext", "redis:redis", "masstransit-bus" })]
    [InlineData("workflowworker", new[] { "self", "masstransit-bus" })]
    [InlineData("imagingimport", new[] { "self", "ImportDbContext", "redis:redis" })]
    public async Task Every_service_reports_each_of_its_dependencies_healthy(string service, string[] checks)
    {
        using var client = whole.App.CreateHttpClient(service);

        using var response = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var report = JsonDocument.Parse(body);
        Assert.Equal("Healthy", report.RootElement.GetProperty("status").GetString());
        var entries = report.RootElement.GetProperty("entries");
        Assert.Equal(checks.Order(), entries.EnumerateObject().Select(e => e.Name).Order());
        Assert.All(entries.EnumerateObject(), e => Assert.Equal("Healthy", e.Value.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Services_receive_Aspires_environment_with_the_running_servers_connection_strings()
    {
        var api = whole.App.ResourceNotifications.Get("resultsapi")!;
        var worker = whole.App.ResourceNotifications.Get("workflowworker")!;

        var apiEnvironment = ProcessTable.EnvironmentOf(Assert.Single(api.Pids));
        var workerEnvironment = ProcessTable.EnvironmentOf(Assert.Single(worker.Pids));

        Assert.Equal(await whole.App.GetConnectionStringAsync("resultsdb", TestContext.Current.CancellationToken), apiEnvironment["ConnectionStrings__resultsdb"]);
        Assert.Matches(@"^Host=127\.0\.0\.1;Port=\d+;Username=postgres;Password=[A-Za-z0-9]{24};Database=resultsdb$", apiEnvironment["ConnectionStrings__resultsdb"]);
        Assert.Matches(@"^127\.0\.0\.1:\d+,password=[A-Za-z0-9]{24}$", apiEnvironment["ConnectionStrings__redis"]);
        Assert.Matches(@"^amqp://guest:[A-Za-z0-9]{24}@127\.0\.0\.1:\d+$", apiEnvironment["ConnectionStrings__messaging"]);
        Assert.Equal(whole.App.GetEndpoint("resultsapi").ToString().TrimEnd('/'), workerEnvironment["services__resultsapi__http__0"]);
        Assert.Equal(api.Endpoints[0], apiEnvironment["ASPNETCORE_URLS"]);
        Assert.Equal("resultsapi", apiEnvironment["OTEL_SERVICE_NAME"]);
        Assert.Equal("grpc", apiEnvironment["OTEL_EXPORTER_OTLP_PROTOCOL"]);
        Assert.Matches(@"^http://localhost:\d+$", apiEnvironment["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Matches("^x-otlp-api-key=[0-9a-f]{32}$", apiEnvironment["OTEL_EXPORTER_OTLP_HEADERS"]);
        Assert.StartsWith("service.instance.id=resultsapi-", apiEnvironment["OTEL_RESOURCE_ATTRIBUTES"], StringComparison.Ordinal);
        Assert.False(workerEnvironment.ContainsKey("ConnectionStrings__resultsdb"), "the worker is stateless and must not see the results database");
    }

    [Fact]
    public async Task Every_service_sends_its_telemetry_to_the_dashboard_with_the_runs_api_key()
    {
        using var dashboard = await DashboardSession.LoginAsync(whole.App.DashboardLoginUrl!, TestContext.Current.CancellationToken);

        // Runtime metrics arrive every second from each service, over gRPC with x-otlp-api-key (a wrong key would store nothing).
        var arrived = await ProcessTable.EventuallyAsync(() =>
        {
            var instruments = JsonDocument.Parse(dashboard.GetStringAsync("/api/metrics").GetAwaiter().GetResult()).RootElement.GetProperty("instruments");
            var resources = instruments.EnumerateArray().Select(i => i.GetProperty("resource").GetString()).ToHashSet();
            return resources.SetEquals(["resultsapi", "workflowworker", "imagingimport"]);
        }, TimeSpan.FromSeconds(20));

        Assert.True(arrived, "not every service's metrics reached the dashboard");
    }

    [Fact]
    public async Task A_service_killed_with_SIGKILL_is_restarted_and_becomes_healthy_again()
    {
        var before = whole.App.ResourceNotifications.Get("workflowworker")!;
        var pid = Assert.Single(before.Pids);

        System.Diagnostics.Process.GetProcessById(pid).Kill();
        using var timeout = new CancellationTokenSource(Patience);
        var after = await whole.App.ResourceNotifications.WaitForResourceAsync("workflowworker",
            s => s.Restarts == before.Restarts + 1 && s.State == KnownResourceStates.Running && s.Health == HealthStatus.Healthy, timeout.Token);

        Assert.NotEqual(pid, Assert.Single(after.Pids));
        Assert.Contains(whole.App.ResourceLogs.Get("workflowworker"), l => l.Text.StartsWith("[apphost] process exited with code 137; restart #", StringComparison.Ordinal));
    }
}

/// <summary>Its own run of the whole application, so that tearing it down can be checked.</summary>
public sealed class TearDownTests
{
    [Fact]
    public async Task After_tear_down_no_process_or_port_of_the_run_is_left()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<AppHostAssembly>(cancellationToken: TestContext.Current.CancellationToken);
        // Disposed below on purpose; 'await using' also tears it down if an assertion fails first.
        await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await app.StartAsync(timeout.Token);
        await app.WaitForHealthyAsync(timeout.Token);
        var snapshots = app.ResourceNotifications.Current;
        var pids = snapshots.SelectMany(s => s.Pids).ToList();
        var ports = snapshots.SelectMany(s => s.Endpoints).Select(e => new Uri(e).Port).Append(app.DashboardUrl!.Port).ToList();
        var dataDirectory = app.DataDirectory;
        Assert.Equal(7, pids.Count); // postgres, redis, epmd and rabbitmq-server, the three services
        Assert.NotEmpty(ProcessTable.FindByCommandLine(dataDirectory));

        await app.DisposeAsync();

        Assert.All(pids, pid => Assert.False(ProcessTable.IsAlive(pid), $"process {pid} outlived the run"));
        Assert.All(ports, port => Assert.True(ProcessTable.IsPortFree(port), $"port {port} is still held"));
        Assert.Empty(ProcessTable.FindByCommandLine(dataDirectory));
        Assert.False(Directory.Exists(dataDirectory));
    }
}
