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
    public async Task Asking_for_the_Aspire_dashboard_container_without_an_engine_says_what_to_do()
    {
        await using var host = AppHostProcess.Start(arguments: ["--runtime", "process", "--AppHost:Dashboard:UseAspireContainer=true"]);

        Assert.Equal(1, await host.WaitForExitAsync(Patience));
        Assert.Contains("error: AppHost:Dashboard:UseAspireContainer asks for the Aspire dashboard's container, but no container engine answers", host.StandardError);
        Assert.Contains("or set AppHost:Dashboard:UseAspireContainer=false to use the app host's own dashboard.", host.StandardError);
        Assert.Empty(ProcessTable.FindByCommandLine(host.DataDirectory));
    }

    [Fact]
    public async Task A_missing_server_binary_names_the_package_to_install()
    {
        await using var host = AppHostProcess.Start(arguments: ["--runtime", "process", "--AppHost:Binaries:RedisServer=/nonexistent/redis-server"]);

        Assert.Equal(1, await host.WaitForExitAsync(Patience));
        Assert.Contains(
            "error: Redis is not installed: /nonexistent/redis-server does not exist. Install it with: sudo apt-get install -y redis-server",
            host.StandardError);
        Assert.Empty(ProcessTable.FindByCommandLine(host.DataDirectory));
    }

    [Fact]
    public async Task A_port_already_taken_says_who_to_ask_and_how_to_choose_another()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        await using var host = AppHostProcess.Start(arguments: ["--runtime", "process", $"--AppHost:Resources:postgres:Port={port}"]);

        Assert.Equal(1, await host.WaitForExitAsync(Patience));
        Assert.Contains($"error: Port {port} for resource 'postgres' is already in use by another process.", host.StandardError);
        Assert.Contains("AppHost:Resources:postgres:Port", host.StandardError);
        Assert.Empty(ProcessTable.FindByCommandLine(host.DataDirectory));
    }

    [Fact]
    public async Task A_broken_data_folder_is_named_and_left_untouched()
    {
        var data = AppHostProcess.NewDataDirectory();
        var pgdata = Path.Combine(data, "postgres", "pgdata");
        Directory.CreateDirectory(pgdata);
        await File.WriteAllTextAsync(Path.Combine(pgdata, "something-else.txt"), "not a cluster", TestContext.Current.CancellationToken);

        await using var host = AppHostProcess.Start(data, ["--runtime", "process"]);

        Assert.Equal(1, await host.WaitForExitAsync(Patience));
        Assert.Contains($"error: The PostgreSQL data folder {pgdata} is not empty but holds no cluster (no PG_VERSION)", host.StandardError);
        Assert.Equal("not a cluster", await File.ReadAllTextAsync(Path.Combine(pgdata, "something-else.txt"), TestContext.Current.CancellationToken));
        Assert.Empty(ProcessTable.FindByCommandLine(data));
    }

    [Fact]
    public async Task Asking_for_containers_without_an_engine_that_answers_says_how_to_go_on()
    {
        // DOCKER_HOST points nowhere, so even a machine with a running engine answers 'no' here.
        await using var host = AppHostProcess.Start(
            arguments: ["--runtime", "container", "--AppHost:ContainerEngines:0=docker", "--AppHost:ContainerEngines:1=/nonexistent/podman"],
            environment: new Dictionary<string, string> { ["DOCKER_HOST"] = "unix:///nonexistent/docker.sock" });

        Assert.Equal(1, await host.WaitForExitAsync(Patience));
        Assert.Contains("error: --runtime container was asked for, but no container engine answers", host.StandardError);
        Assert.Contains("/nonexistent/podman: not installed", host.StandardError);
        Assert.Contains("run with --runtime process", host.StandardError);
    }

    [Fact]
    public async Task An_unknown_runtime_is_refused_with_the_choices()
    {
        await using var host = AppHostProcess.Start(arguments: ["--runtime", "kubernetes"]);

        Assert.Equal(1, await host.WaitForExitAsync(Patience));
        Assert.Contains("Unknown runtime 'kubernetes': use --runtime container, --runtime process or --runtime auto.", host.StandardError);
    }
}
