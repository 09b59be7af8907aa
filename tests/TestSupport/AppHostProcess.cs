using System.Diagnostics;
using System.Text;

namespace Imaging.TestSupport;

/// <summary>The real app host binary run as a child process, as a person runs it; for exit codes, messages and signals.</summary>
public sealed class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

    private AppHostProcess(Process process, string dataDirectory)
    {
        _process = process;
        DataDirectory = dataDirectory;
    }

    public string DataDirectory { get; }

    public int Pid => _process.Id;

    public string StandardOutput
    {
        get
        {
            lock (_gate)
            {
                return _stdout.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    public string StateFile => Path.Combine(DataDirectory, "state.json");

    /// <summary>Starts AppHost.dll (copied beside the tests) with its own data folder and free dashboard ports.</summary>
    public static AppHostProcess Start(string? dataDirectory = null, IEnumerable<string>? arguments = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        dataDirectory ??= NewDataDirectory();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AppHost.dll"));
        foreach (var argument in (string[])["--data-dir", dataDirectory, "--AppHost:Dashboard:Port=0", "--AppHost:Dashboard:OtlpGrpcPort=0", "--AppHost:Dashboard:OtlpHttpPort=0", "--AppHost:DemoData=false", .. arguments ?? []])
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var host = new AppHostProcess(process, dataDirectory);
        process.OutputDataReceived += (_, e) =>
        {
            lock (host._gate)
            {
                host._stdout.AppendLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (host._gate)
            {
                host._stderr.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>
    /// A folder outside /tmp/apphost-tests: runs of the real binary may reuse one folder across app host processes
    /// (a killed one, then the next), which the testing entry point's clean-up of abandoned runs must not touch.
    /// </summary>
    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "apphost-process-tests", Guid.NewGuid().ToString("N")[..12]);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits until standard output holds <paramref name="text"/>; false if the process exits or time runs out first.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
    {
        await ProcessTable.EventuallyAsync(() => StandardOutput.Contains(text, StringComparison.Ordinal) || _process.HasExited, timeout);
        return StandardOutput.Contains(text, StringComparison.Ordinal);
    }

    public void Signal(int signal) => Process.Start("kill", [$"-{signal}", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal(15);
            try
            {
                await WaitForExitAsync(TimeSpan.FromSeconds(60));
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
