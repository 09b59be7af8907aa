using AppHost.Hosting;
using AppHost.Hosting.Orchestration;
using AppHost.Hosting.Testing;
using Imaging.TestSupport;

namespace AppHost.Tests;

/// <summary>Start order, health gating, restarts and clean stops, on real child processes.</summary>
public sealed class OrchestrationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_process_that_crashes_is_restarted_with_back_off_and_the_restarts_are_visible()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddExecutable("crasher", "/bin/sh", Path.GetTempPath(), "-c", "echo started; sleep 0.2; exit 3");
        await using var app = builder.Build();
        using var timeout = new CancellationTokenSource(Patience);

        await app.StartAsync(timeout.Token);
        var snapshot = await app.ResourceNotifications.WaitForResourceAsync("crasher", s => s.Restarts >= 2 && s.State == KnownResourceStates.Running, timeout.Token);

        Assert.Equal(3, snapshot.ExitCode);
        // The third process's output is read a moment after its start is published; on a busy machine it can lag.
        var lines = app.ResourceLogs.Get("crasher").Select(l => l.Text).ToList();
        for (var attempt = 0; attempt < 50 && lines.Count(l => l == "started") < 3; attempt++)
        {
            await Task.Delay(100, timeout.Token);
            lines = [.. app.ResourceLogs.Get("crasher").Select(l => l.Text)];
        }

        Assert.True(lines.Count(l => l == "started") >= 3, string.Join('\n', lines));
        Assert.Contains("[apphost] process exited with code 3; restart #1 in 1 s", lines);
        Assert.Contains("[apphost] process exited with code 3; restart #2 in 2 s", lines);
    }

    [Fact]
    public async Task A_resource_waiting_for_an_unhealthy_one_does_not_start()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"dependent-started-{Guid.NewGuid():N}");
        var builder = DistributedApplicationTestingBuilder.Create();
        // Runs, but nothing answers on its http endpoint, so its health check never passes.
        var unhealthy = builder.AddExecutable("unhealthy", "/bin/sleep", Path.GetTempPath(), "60").WithHttpEndpoint().WithHttpHealthCheck("/health");
        builder.AddExecutable("dependent", "/bin/sh", Path.GetTempPath(), "-c", $"touch {marker}; sleep 60").WaitFor(unhealthy);
        await using var app = builder.Build();
        using var timeout = new CancellationTokenSource(Patience);

        await app.StartAsync(timeout.Token);
        await app.ResourceNotifications.WaitForResourceAsync("unhealthy", s => s.State == KnownResourceStates.Running && s.Health == HealthStatus.Unhealthy, timeout.Token);
        await Task.Delay(TimeSpan.FromSeconds(2), timeout.Token);

        var dependent = app.ResourceNotifications.Get("dependent")!;
        Assert.Equal(KnownResourceStates.Waiting, dependent.State);
        Assert.Empty(dependent.Pids);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task A_resource_waiting_for_one_that_failed_to_start_fails_too_and_never_runs()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var missing = builder.AddExecutable("missing", "/nonexistent/program", Path.GetTempPath());
        builder.AddExecutable("dependent", "/bin/sleep", Path.GetTempPath(), "60").WaitFor(missing);
        await using var app = builder.Build();
        using var timeout = new CancellationTokenSource(Patience);

        await app.StartAsync(timeout.Token);
        var failed = await app.ResourceNotifications.WaitForResourceAsync("missing", KnownResourceStates.FailedToStart, timeout.Token);
        var dependent = await app.ResourceNotifications.WaitForResourceAsync("dependent", KnownResourceStates.FailedToStart, timeout.Token);

        Assert.Contains("/nonexistent/program", failed.Message);
        Assert.Equal("not started: it waits for missing, which failed to start", dependent.Message);
        Assert.Empty(dependent.Pids);
        await Assert.ThrowsAsync<DistributedApplicationException>(() => app.ResourceNotifications.WaitForResourceHealthyAsync("dependent", timeout.Token));
    }

    [Fact]
    public async Task Stopping_ends_the_whole_process_tree_and_frees_the_ports()
    {
        var builder = DistributedApplicationTestingBuilder.Create("--AppHost:StopTimeoutSeconds=2");
        // A shell with a child of its own that ignores SIGTERM: only killing the tree ends it.
        var resource = builder.AddExecutable("tree", "/bin/sh", Path.GetTempPath(), "-c", "trap '' TERM; sleep 300 & wait")
            .WithHttpEndpoint(env: "PORT");
        await using var app = builder.Build();
        using var timeout = new CancellationTokenSource(Patience);

        await app.StartAsync(timeout.Token);
        var running = await app.ResourceNotifications.WaitForResourceAsync("tree", KnownResourceStates.Running, timeout.Token);
        var shell = Assert.Single(running.Pids);
        Assert.True(await ProcessTable.EventuallyAsync(() => ProcessTable.Children(shell).Count == 1, TimeSpan.FromSeconds(5)));
        var grandchild = ProcessTable.Children(shell)[0];
        var port = resource.Resource.Endpoints[0].AllocatedPorts[0];
        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), ProcessTable.EnvironmentOf(shell)["PORT"]);

        await app.StopAsync();

        Assert.False(ProcessTable.IsAlive(shell));
        Assert.False(ProcessTable.IsAlive(grandchild));
        Assert.Equal(KnownResourceStates.Finished, app.ResourceNotifications.Get("tree")!.State);
    }

    [Fact]
    public void WaitFor_cycles_are_refused_when_the_model_is_built()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var a = builder.AddExecutable("a", "/bin/true", "/");
        var b = builder.AddExecutable("b", "/bin/true", "/").WaitFor(a);
        a.WaitFor(b);

        var error = Assert.Throws<DistributedApplicationException>(() => builder.Build());
        Assert.Equal("WaitFor forms a cycle: a -> b -> a.", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1abc")]
    [InlineData("has_underscore")]
    [InlineData("ends-")]
    [InlineData("double--hyphen")]
    public void Resource_names_that_cannot_become_variables_or_host_names_are_refused(string name)
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        Assert.Throws<ArgumentException>(() => builder.AddRedis(name));
    }

    [Fact]
    public void Two_resources_cannot_share_a_name()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddRedis("cache");
        var error = Assert.Throws<DistributedApplicationException>(() => builder.AddRabbitMQ("Cache"));
        Assert.Contains("'Cache' already exists", error.Message);
    }

    [Fact]
    public void A_connection_string_resource_needs_its_configuration()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var error = Assert.Throws<DistributedApplicationException>(() => builder.AddConnectionString("archive"));
        Assert.Contains("ConnectionStrings:archive", error.Message);

        var configured = DistributedApplicationTestingBuilder.Create("--ConnectionStrings:archive=Host=db.example;Database=x");
        Assert.Equal("Host=db.example;Database=x", configured.AddConnectionString("archive").Resource.GetConnectionString());
    }

    [Fact]
    public void The_printed_table_hides_passwords()
    {
        Assert.Equal("Host=h;Port=1;Username=postgres;Password=****;Database=d",
            ResourceTable.MaskPassword("Host=h;Port=1;Username=postgres;Password=s3cret;Database=d"));
        Assert.Equal("127.0.0.1:6379,password=****", ResourceTable.MaskPassword("127.0.0.1:6379,password=s3cret"));
        Assert.Equal("amqp://guest:****@127.0.0.1:5672", ResourceTable.MaskPassword("amqp://guest:s3cret@127.0.0.1:5672"));
    }
}
