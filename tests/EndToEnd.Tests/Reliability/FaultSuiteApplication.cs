using Imaging.StandIns;
using Microsoft.Extensions.DependencyInjection;

namespace EndToEnd.Tests.Reliability;

/// <summary>
/// The whole application for the fault suite: the app host's model with its own Orthanc as the source PACS, the XNAT
/// stand-in as the import target, short import back-offs, and ResultsApi's storage root on a 256 MiB tmpfs so the
/// disk can be filled without filling the machine's.
/// </summary>
public sealed class FaultSuiteApplication : IAsyncLifetime
{
    public const long StorageBytes = 256L << 20;

    private string? _token;

    public AppHostTesting Run { get; private set; } = null!;

    public DistributedApplication App => Run.App;

    public XnatStandIn Xnat { get; private set; } = null!;

    public HttpClient Pacs { get; private set; } = null!;

    public HttpClient Import { get; private set; } = null!;

    /// <summary>ResultsApi's storage root, as the process sees it.</summary>
    public string StorageRoot { get; private set; } = "";

    /// <summary>Why the storage root is not a small file system of its own (mounting needs root), or null when it is.</summary>
    public string? NoSmallStorage { get; private set; }

    public async ValueTask InitializeAsync()
    {
        Xnat = await XnatStandIn.StartAsync();
        var data = AppHostTesting.NewDataDirectory("faults");
        StorageRoot = Path.Combine(data, "storage");
        Directory.CreateDirectory(StorageRoot);
        try
        {
            ExternalTool.Run("mount", "-t", "tmpfs", "-o", $"size={StorageBytes},mode=0755", "fault-suite-storage", StorageRoot);
        }
        catch (Exception refused)
        {
            NoSmallStorage = $"mounting a tmpfs on the storage root failed ({refused.Message.Trim()}); run the tests as root";
        }

        Run = await AppHostTesting.StartAsync<Projects.AppHost>(CohortImportApplication.Arguments(Xnat, maxAttempts: 100), dataDirectory: data, timeout: TimeSpan.FromMinutes(4));
        (Pacs, Import) = await CohortImportApplication.ClientsAsync(App);
    }

    public async ValueTask DisposeAsync()
    {
        Pacs?.Dispose();
        Import?.Dispose();
        // The processes go first, then the mount, then the data folder it was in.
        await App.StopAsync();
        if (NoSmallStorage is null)
        {
            ExternalTool.Run("umount", "--lazy", StorageRoot);
        }

        await Run.DisposeAsync();
        await Xnat.DisposeAsync();
    }

    /// <summary>A client of ResultsApi logged in as the development admin.</summary>
    /// <remarks>One login for the whole suite, as a real client keeps its token: logins are rate limited.</remarks>
    public async Task<HttpClient> LoginAsync(CancellationToken cancellationToken)
    {
        var client = App.CreateHttpClient("resultsapi");
        _token ??= await WholeApplication.AdminTokenAsync(App, cancellationToken);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        return client;
    }

    /// <summary>A client of the vendor API (series results) with a new source token of the default source.</summary>
    public async Task<HttpClient> VendorClientAsync(CancellationToken cancellationToken)
    {
        using var admin = await LoginAsync(cancellationToken);
        return await WholeApplication.VendorClientAsync(App, admin, "fault suite", cancellationToken);
    }

    /// <summary>Stops a resource as the dashboard's Stop does and waits until none of its processes is left.</summary>
    public async Task StopAsync(string resource, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        // Aspire's stop gives up waiting after about 15 s and says it failed; on a loaded machine a service's orderly
        // shutdown can take longer, so what counts is that the resource ends stopped.
        var model = App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resource);
        try
        {
            await App.ResourceCommands.ExecuteCommandAsync(model, KnownResourceCommands.StopCommand, timeout.Token);
            await App.WaitForStoppedAsync(resource, timeout.Token);
        }
        catch (OperationCanceledException stuck) when (!cancellationToken.IsCancellationRequested)
        {
            // What the service printed last is what explains a shutdown that never ends.
            var lines = await App.ConsoleLinesAsync(resource, CancellationToken.None);
            var states = string.Join("; ", Run.Replicas(resource).Select(r => $"{r.State?.Text} exit {r.ExitCode}"));
            var processes = string.Join("\n", ProcessTable.FindByCommandLine(resource == "workflowworker" ? "WorkflowWorker" : resource).Select(p => $"{p.Pid} {p.CommandLine}"));
            throw new TimeoutException($"{resource} did not stop within 90 s (states: {states}; processes:\n{processes}\n); its last lines:\n{string.Join('\n', lines.TakeLast(20))}", stuck);
        }
    }

    /// <summary>Starts a stopped (or crashed) resource again, as the dashboard's Start does, and waits until it is running and healthy.</summary>
    public async Task StartAsync(string resource, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        await App.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, timeout.Token);
        await App.WaitRunningHealthyAsync(resource, timeout.Token);
    }

    /// <summary>True while any replica of the resource runs.</summary>
    public bool IsRunning(string resource) => Run.Pids(resource).Count > 0;
}
