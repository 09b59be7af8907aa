using System.Diagnostics;
using System.Text.Json;
using AppHost.Hosting.Orchestration;
using AppHost.Hosting.Testing;
using Imaging.TestSupport;

namespace AppHost.Tests;

/// <summary>A test process that died leaves its servers running; the next test process stops them.</summary>
public sealed class AbandonedRunTests
{
    [Fact]
    public async Task Processes_of_a_run_whose_owner_is_gone_are_stopped_and_its_data_deleted()
    {
        var root = Path.Combine(Path.GetTempPath(), "apphost-janitor-tests", Guid.NewGuid().ToString("N"));
        using var orphan = Process.Start("/bin/sleep", "300");
        using var deadOwner = Process.Start("/bin/true");
        await deadOwner.WaitForExitAsync(TestContext.Current.CancellationToken);
        var abandoned = WriteRun(root, "abandoned", deadOwner.Id, ownerStart: 1, orphan.Id);
        var live = WriteRun(root, "live", Environment.ProcessId, Orchestrator.ReadStartTime(Environment.ProcessId), orphan.Id);

        TestingHook.CleanUpAbandonedRuns(root);

        Assert.True(await ProcessTable.EventuallyAsync(() => !ProcessTable.IsAlive(orphan.Id), TimeSpan.FromSeconds(5)));
        Assert.False(Directory.Exists(abandoned));
        Assert.True(Directory.Exists(live), "a run whose owner still runs is left alone");
        Directory.Delete(root, recursive: true);
    }

    private static string WriteRun(string root, string name, int ownerPid, long? ownerStart, int childPid)
    {
        var run = Path.Combine(root, name);
        Directory.CreateDirectory(run);
        var state = new
        {
            appHostPid = ownerPid,
            appHostStartTime = ownerStart,
            processes = new[] { new { resource = "redis", pid = childPid, startTime = Orchestrator.ReadStartTime(childPid) } },
        };
        File.WriteAllText(Path.Combine(run, "state.json"), JsonSerializer.Serialize(state));
        return run;
    }
}
