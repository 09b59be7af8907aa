using System.Text.Json;
using Imaging.TestSupport;

namespace AppHost.Tests;

/// <summary>The real app host binary run as a person runs it: it starts everything, and stops everything it started.</summary>
public sealed class AppHostRunTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task SIGTERM_stops_every_process_and_frees_every_port()
    {
        await using var host = AppHostProcess.Start(arguments: ["--runtime", "process"]);
        Assert.True(await host.WaitForOutputAsync("resources healthy in", Patience), host.StandardOutput + host.StandardError);
        var (pids, ports) = ReadState(host.StateFile);
        Assert.Equal(8, JsonDocument.Parse(await File.ReadAllTextAsync(host.StateFile, TestContext.Current.CancellationToken)).RootElement.GetProperty("resources").GetArrayLength());
        Assert.All(pids, pid => Assert.True(ProcessTable.IsAlive(pid)));

        host.Signal(15);

        Assert.Equal(0, await host.WaitForExitAsync(Patience));
        Assert.All(pids, pid => Assert.False(ProcessTable.IsAlive(pid), $"process {pid} outlived the app host"));
        Assert.All(ports, port => Assert.True(ProcessTable.IsPortFree(port), $"port {port} is still held"));
        Assert.Empty(ProcessTable.FindByCommandLine(host.DataDirectory));
    }

    [Fact]
    public async Task After_the_app_host_is_killed_the_next_run_stops_what_it_left_behind_and_keeps_the_data()
    {
        var data = AppHostProcess.NewDataDirectory();
        var first = AppHostProcess.Start(data, ["--runtime", "process"]);
        Assert.True(await first.WaitForOutputAsync("resources healthy in", Patience), first.StandardOutput + first.StandardError);
        var (orphans, _) = ReadState(first.StateFile);
        var password = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(data, "secrets.json"), TestContext.Current.CancellationToken)).RootElement.GetProperty("postgres-password").GetString();

        first.Signal(9); // SIGKILL: the app host gets no chance to stop its children.
        await first.WaitForExitAsync(Patience);
        Assert.Contains(orphans, ProcessTable.IsAlive);

        await using var second = AppHostProcess.Start(data, ["--runtime", "process"]);
        Assert.True(await second.WaitForOutputAsync("resources healthy in", Patience), second.StandardOutput + second.StandardError);

        Assert.Contains("left running by an earlier app host run that did not shut down", second.StandardOutput);
        Assert.All(orphans, pid => Assert.False(ProcessTable.IsAlive(pid), $"leftover {pid} still runs"));
        // Same data folder, same generated password, and PostgreSQL accepted it: the data survived.
        Assert.Equal(password, JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(data, "secrets.json"), TestContext.Current.CancellationToken)).RootElement.GetProperty("postgres-password").GetString());
    }

    private static (List<int> Pids, List<int> Ports) ReadState(string stateFile)
    {
        using var state = JsonDocument.Parse(File.ReadAllText(stateFile));
        var resources = state.RootElement.GetProperty("resources").EnumerateArray().ToList();
        var pids = resources.SelectMany(r => r.GetProperty("pids").EnumerateArray().Select(p => p.GetInt32())).ToList();
        var ports = resources.SelectMany(r => r.GetProperty("endpoints").EnumerateArray())
            .Select(e => new Uri(e.GetString()!).Port).ToList();
        return (pids, ports);
    }
}
