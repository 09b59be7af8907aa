using System.Net;
using System.Net.Sockets;
using Imaging.TestSupport;

namespace AppHost.Tests;

/// <summary>
/// What a person sees when the machine is not ready: one clear message that says what to do, exit code 1, and
/// nothing left running. Each case runs the real AppHost binary.
/// </summary>
public sealed class AppHostFailureTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_missing_server_binary_names_the_package_to_install()
    {
        await using var host = AppHostProcess.Start(arguments: ["--AppHost:Binaries:RedisServer=/nonexistent/redis-server"]);

        Assert.Equal(1, await host.WaitForExitAsync(Patience));
        Assert.Contains(
            "error: Redis is not installed: /nonexistent/redis-server does not exist. Install it with: sudo apt-get install -y redis-server",
            host.StandardError);
        Assert.Empty(ProcessTable.FindByCommandLine(host.DataDirectory));
    }

    [Fact]
    public async Task A_taken_dashboard_port_says_who_may_hold_it_and_how_to_run_on_free_ports()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        await using var host = AppHostProcess.Start(environment: new Dictionary<string, string> { ["ASPNETCORE_URLS"] = $"http://localhost:{port}" });

        Assert.Equal(1, await host.WaitForExitAsync(Patience));
        Assert.Contains($"error: Port {port} for the dashboard (ASPNETCORE_URLS=http://localhost:{port}) is already in use by another process, most often an app host still running.",
            host.StandardError);
        Assert.Contains("aspire run --isolated", host.StandardError);
        Assert.Empty(ProcessTable.FindByCommandLine(host.DataDirectory));
    }

    [Fact]
    public async Task A_taken_service_port_is_named_instead_of_a_silent_wait()
    {
        // ResultsApi's launch profile port, held here (or already held by something else, which makes the same case).
        TcpListener? squatter = null;
        try
        {
            squatter = new TcpListener(IPAddress.Loopback, 5080);
            squatter.Start();
        }
        catch (SocketException)
        {
        }

        try
        {
            await using var host = AppHostProcess.Start(arguments: ["--DcpPublisher:RandomizePorts=false"]);

            Assert.Equal(1, await host.WaitForExitAsync(Patience));
            Assert.Contains("error: Port 5080 of resultsapi (its launch profile's http endpoint) is already in use by another process", host.StandardError);
            Assert.Empty(ProcessTable.FindByCommandLine(host.DataDirectory));
        }
        finally
        {
            squatter?.Dispose();
        }
    }

    [Fact]
    public async Task A_broken_data_folder_is_named_and_left_untouched()
    {
        var data = AppHostProcess.NewDataDirectory();
        var pgdata = Path.Combine(data, "postgres", "pgdata");
        Directory.CreateDirectory(pgdata);
        await File.WriteAllTextAsync(Path.Combine(pgdata, "something-else.txt"), "not a cluster", TestContext.Current.CancellationToken);

        await using var host = AppHostProcess.Start(data);

        Assert.Equal(1, await host.WaitForExitAsync(Patience));
        Assert.Contains($"error: The PostgreSQL data folder {pgdata} is not empty but holds no cluster (no PG_VERSION)", host.StandardError);
        Assert.Equal("not a cluster", await File.ReadAllTextAsync(Path.Combine(pgdata, "something-else.txt"), TestContext.Current.CancellationToken));
        Assert.Empty(ProcessTable.FindByCommandLine(data));
    }

    [Fact]
    public async Task Asking_for_containers_without_an_engine_that_answers_says_how_to_go_on()
    {
        // DOCKER_HOST points nowhere and podman is not on PATH, so even a machine with a running engine answers 'no' here.
        await using var host = AppHostProcess.Start(
            arguments: ["--AppHost:Servers=Containers"],
            environment: new Dictionary<string, string> { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock", ["PATH"] = "/usr/bin:/bin" });

        Assert.Equal(1, await host.WaitForExitAsync(Patience));
        Assert.Contains("error: AppHost:Servers is Containers, but no container engine answers (", host.StandardError);
        Assert.Contains("or run the servers from the Debian packages with --AppHost:Servers=Processes.", host.StandardError);
    }

    [Fact]
    public async Task An_unknown_server_runtime_is_refused_with_the_choices()
    {
        await using var host = AppHostProcess.Start(arguments: ["--AppHost:Servers=kubernetes"]);

        Assert.Equal(1, await host.WaitForExitAsync(Patience));
        Assert.Contains("error: Unknown AppHost:Servers 'kubernetes': use Auto, Containers or Processes.", host.StandardError);
    }
}
