using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AppHost;
using AppHost.Hosting;
using AppHost.Hosting.Orchestration;
using AppHost.Hosting.Testing;
using Imaging.StandIns;
using Imaging.TestSupport;

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

    public DistributedApplication App { get; private set; } = null!;

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
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<AppHostAssembly>(CohortImportApplication.Arguments(Xnat, maxAttempts: 100));
        App = await builder.BuildAsync();
        StorageRoot = App.Resources.Single(r => r.Name == "resultsapi").Volumes.Single().LocalPath;
        Directory.CreateDirectory(StorageRoot);
        try
        {
            ExternalTool.Run("mount", "-t", "tmpfs", "-o", $"size={StorageBytes},mode=0755", "fault-suite-storage", StorageRoot);
        }
        catch (Exception refused)
        {
            NoSmallStorage = $"mounting a tmpfs on the storage root failed ({refused.Message.Trim()}); run the tests as root";
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try
        {
            await App.StartAsync(timeout.Token);
            await App.WaitForHealthyAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            var states = App.Resources.Select(r => App.ResourceNotifications.Get(r.Name)).Select(s => $"{s?.Name} {s?.State} {s?.Health}");
            throw new TimeoutException($"The application did not become healthy in 4 minutes: {string.Join("; ", states)}");
        }
        Pacs = OrthancPeer.CreateClient((await App.GetConnectionStringAsync("pacs"))!);
        Import = App.CreateHttpClient("imagingimport");
        Import.DefaultRequestHeaders.Add("X-Service-Key", App.Secrets.GetOrCreatePassword("imagingimport-service-key"));
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

        await App.DisposeAsync();
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
        using var created = await admin.PostAsJsonAsync("/api/v1/sources/tokens", new { name = "fault suite" }, cancellationToken);
        created.EnsureSuccessStatusCode();
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var vendor = App.CreateHttpClient("resultsapi");
        vendor.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Token {body.GetProperty("token").GetString()}");
        vendor.DefaultRequestHeaders.Add("Source", body.GetProperty("source").GetString());
        return vendor;
    }

    /// <summary>Stops a resource as the dashboard's Stop does and waits until none of its processes is left.</summary>
    public async Task StopAsync(string resource, CancellationToken cancellationToken)
    {
        Assert.Equal(ResourceCommandOutcome.Accepted, App.ExecuteCommand(resource, ResourceCommands.Stop));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await App.ResourceNotifications.WaitForResourceAsync(resource, s => s.Pids.Count == 0, timeout.Token);
    }

    /// <summary>Starts a stopped resource again and waits until it is running and healthy.</summary>
    public async Task StartAsync(string resource, CancellationToken cancellationToken)
    {
        Assert.Equal(ResourceCommandOutcome.Accepted, App.ExecuteCommand(resource, ResourceCommands.Start));
        await WaitRunningAsync(resource, cancellationToken);
    }

    public async Task WaitRunningAsync(string resource, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(90));
        await App.ResourceNotifications.WaitForResourceAsync(resource,
            s => s.Pids.Count > 0 && s.State == KnownResourceStates.Running && s.Health == HealthStatus.Healthy, timeout.Token);
    }
}
