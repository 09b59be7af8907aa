using System.Diagnostics;
using System.Text;

namespace Imaging.TestSupport;

/// <summary>
/// The real app host binary run as a child process, as `dotnet run --project AppHost` runs it (Development, plain http,
/// its launch profile's variables) but on free ports, for exit codes, messages and signals.
/// </summary>
public sealed class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

    private AppHostProcess(Process process, string dataDirectory, string secretsId)
    {
        _process = process;
        DataDirectory = dataDirectory;
        SecretsId = secretsId;
    }

    public string DataDirectory { get; }

    /// <summary>The run's own user secrets (ASPIRE_USER_SECRETS_ID); pass it to a later run on the same data folder.</summary>
    public string SecretsId { get; }

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

    /// <summary>The dashboard's address on this run.</summary>
    public Uri DashboardUrl { get; private init; } = null!;

    /// <summary>Starts the app host's own build (AppHost/bin/…/AppHost.dll) with its own data folder and free dashboard ports.</summary>
    public static AppHostProcess Start(string? dataDirectory = null, IEnumerable<string>? arguments = null, IReadOnlyDictionary<string, string>? environment = null,
        string? secretsId = null)
    {
        dataDirectory ??= NewDataDirectory();
        secretsId ??= AppHostTesting.NewSecretsId();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(AppHostAssembly)!,
        };
        info.ArgumentList.Add(AppHostAssembly);
        // A verb (publish) stays first, where the app host looks for it; the settings here come before the caller's, which win.
        string[] given = [.. arguments ?? []];
        var verb = given is [var first, ..] && !first.StartsWith('-') ? given[..1] : [];
        foreach (var argument in (string[])[.. verb, $"--AppHost:DataDirectory={dataDirectory}", "--AppHost:Servers=Processes", "--AppHost:DemoData=false", $"--ASPIRE_USER_SECRETS_ID={secretsId}",
            // The services' launch-profile ports (5080, …) randomized, as the testing builder and `aspire run --isolated` do.
            "--DcpPublisher:RandomizePorts=true", .. given[verb.Length..]])
        {
            info.ArgumentList.Add(argument);
        }

        var dashboard = new Uri($"http://localhost:{AppHostTesting.FreePort()}");
        info.Environment["DOTNET_ENVIRONMENT"] = "Development";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["ASPNETCORE_URLS"] = dashboard.ToString();
        info.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://localhost:{AppHostTesting.FreePort()}";
        info.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://localhost:{AppHostTesting.FreePort()}";
        info.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var host = new AppHostProcess(process, dataDirectory, secretsId) { DashboardUrl = dashboard };
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
    /// The app host as it was built in its own folder, not the copy beside the tests: a test project's output holds the
    /// versions of shared assemblies (StackExchange.Redis among them) that the tests resolved, not the app host's.
    /// </summary>
    public static string AppHostAssembly
    {
        get
        {
            // …/tests/{Project}/bin/{Configuration}/{tfm}/ → …/AppHost/bin/{Configuration}/{tfm}/AppHost.dll
            var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
            var root = output.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            var path = Path.Combine(root, "AppHost", "bin", output.Parent!.Name, output.Name, "AppHost.dll");
            return File.Exists(path) ? path : throw new InvalidOperationException($"{path} does not exist: build the solution first.");
        }
    }

    /// <summary>A data folder of its own; a test may pass it to several app host processes in turn.</summary>
    public static string NewDataDirectory() => AppHostTesting.NewDataDirectory("process");

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

    /// <summary>
    /// Every process of the run: the app host, and what Aspire's DCP runs for it (DCP's API server watches the app host
    /// and is not its child: `dcp start-apiserver --monitor {pid}`), with their command lines.
    /// </summary>
    public IReadOnlyList<(int Pid, string CommandLine)> RunProcesses()
    {
        var apiServers = ProcessTable.FindByCommandLine($"--monitor {Pid} ").Where(p => p.CommandLine.Contains("start-apiserver", StringComparison.Ordinal)).ToList();
        return [(Pid, ProcessTable.CommandLine(Pid)), .. apiServers,
            .. apiServers.SelectMany(a => ProcessTable.Descendants(a.Pid)).Select(pid => (pid, ProcessTable.CommandLine(pid)))];
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
        AppHostTesting.DeleteSecrets(SecretsId);
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
