using AppHost.Hosting.Orchestration;

namespace EndToEnd.Tests;

/// <summary>A process's log lines reach the app host a moment after the state they report, so tests wait for them.</summary>
internal static class ResourceLogWaits
{
    /// <summary>
    /// The resource's lines once one of them matches, or as they are when the wait is over (the caller's assertion
    /// then says what is missing).
    /// </summary>
    public static async Task<List<string>> WaitForLineAsync(this ResourceLogStore logs, string resource, Func<string, bool> match,
        CancellationToken cancellationToken, int tenthsOfSeconds = 100)
    {
        List<string> lines = [.. logs.Get(resource).Select(l => l.Text)];
        for (var wait = 0; wait < tenthsOfSeconds && !lines.Any(match); wait++)
        {
            await Task.Delay(100, cancellationToken);
            lines = [.. logs.Get(resource).Select(l => l.Text)];
        }

        return lines;
    }
}
