using Imaging.TestSupport;

namespace AppHost.Tests;

/// <summary>The real app host binary run as a person runs it: it starts everything, and nothing it started outlives it.</summary>
public sealed class AppHostRunTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(150);

    [Fact]
    public async Task SIGTERM_stops_every_process_of_the_run()
    {
        await using var host = AppHostProcess.Start();
        Assert.True(await host.WaitForOutputAsync("resources healthy in", Patience), host.StandardOutput + host.StandardError);
        var processes = host.RunProcesses();
        foreach (var program in new[] { "/postgres -D", "redis-server", "epmd", "beam.smp", "ResultsApi", "WorkflowWorker", "ImagingImport", "Aspire.Dashboard" })
        {
            Assert.True(processes.Any(p => p.CommandLine.Contains(program, StringComparison.Ordinal)), $"no {program} in the run:\n" + string.Join('\n', processes.Select(p => p.CommandLine)));
        }

        host.Signal(15);

        Assert.Equal(0, await host.WaitForExitAsync(Patience));
        Assert.True(await ProcessTable.EventuallyAsync(() => processes.All(p => !ProcessTable.IsAlive(p.Pid)), TimeSpan.FromSeconds(30)),
            "still running: " + string.Join('\n', processes.Where(p => ProcessTable.IsAlive(p.Pid)).Select(p => p.CommandLine)));
    }

    [Fact]
    public async Task After_the_app_host_is_killed_DCP_stops_what_it_ran_and_the_next_run_keeps_the_data()
    {
        var data = AppHostProcess.NewDataDirectory();
        var first = AppHostProcess.Start(data);
        IReadOnlyList<(int Pid, string CommandLine)> orphans;
        string cluster;
        try
        {
            Assert.True(await first.WaitForOutputAsync("resources healthy in", Patience), first.StandardOutput + first.StandardError);
            orphans = first.RunProcesses();
            cluster = await File.ReadAllTextAsync(Path.Combine(data, "postgres", "pgdata", "PG_VERSION"), TestContext.Current.CancellationToken);

            first.Signal(9); // SIGKILL: the app host gets no chance to stop anything; DCP watches it and cleans up.
            await first.WaitForExitAsync(Patience);
        }
        catch
        {
            await first.DisposeAsync();
            throw;
        }

        Assert.True(await ProcessTable.EventuallyAsync(() => orphans.All(p => !ProcessTable.IsAlive(p.Pid)), TimeSpan.FromSeconds(60)),
            "left behind: " + string.Join('\n', orphans.Where(p => ProcessTable.IsAlive(p.Pid)).Select(p => p.CommandLine)));

        // The same data folder starts again: the same cluster, opened with the password kept in the app host's user secrets.
        await using var second = AppHostProcess.Start(data, secretsId: first.SecretsId);
        Assert.True(await second.WaitForOutputAsync("resources healthy in", Patience), second.StandardOutput + second.StandardError);
        Assert.Equal(cluster, await File.ReadAllTextAsync(Path.Combine(data, "postgres", "pgdata", "PG_VERSION"), TestContext.Current.CancellationToken));
    }
}
