using System.Diagnostics;
using Imaging.TestSupport;

namespace AppHost.Tests;

/// <summary>The app host's own build (AppHost/bin/…/AppHost.dll) run as `dotnet run --project AppHost -- …` runs it.</summary>
internal static class AppHostBinary
{
    public static string Assembly => AppHostProcess.AppHostAssembly;

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IEnumerable<string> arguments, TimeSpan? patience = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Path.GetDirectoryName(Assembly)! };
        foreach (var argument in (string[])[Assembly, .. arguments])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var error = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(patience ?? TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
