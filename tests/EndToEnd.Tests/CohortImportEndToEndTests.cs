using Imaging.Dicom;
using Imaging.StandIns;

namespace EndToEnd.Tests;

/// <summary>
/// The whole application with the app host's own Orthanc as the source PACS (ImagingImport:LocalPacs) and the XNAT
/// stand-in, run by this test, as the target.
/// </summary>
public sealed class CohortImportApplication : IAsyncLifetime
{
    public AppHostTesting Run { get; private set; } = null!;

    public DistributedApplication App => Run.App;

    public XnatStandIn Xnat { get; private set; } = null!;

    public HttpClient Pacs { get; private set; } = null!;

    public HttpClient Import { get; private set; } = null!;

    /// <summary>The app host's arguments for its own Orthanc as the source PACS, the stand-in as XNAT, and short import back-offs.</summary>
    public static string[] Arguments(XnatStandIn xnat, int maxAttempts) =>
    [
        "--ImagingImport:LocalPacs=true",
        $"--ImagingImport:Settings:Xnat:BaseUrl={xnat.BaseAddress}",
        $"--ImagingImport:Settings:Xnat:Username={XnatStandIn.Username}",
        $"--ImagingImport:Settings:Xnat:Password={XnatStandIn.Password}",
        // Short enough that a killed importer's studies come back within the test's patience.
        "--ImagingImport:Settings:Import:Lease=00:00:03",
        "--ImagingImport:Settings:Import:PollInterval=00:00:00.200",
        "--ImagingImport:Settings:Import:FirstBackoff=00:00:00.200",
        "--ImagingImport:Settings:Import:MaxBackoff=00:00:01",
        $"--ImagingImport:Settings:Import:MaxAttempts={maxAttempts}",
    ];

    public async ValueTask InitializeAsync()
    {
        Xnat = await XnatStandIn.StartAsync();
        Run = await AppHostTesting.StartAsync<Projects.AppHost>(Arguments(Xnat, maxAttempts: 30), dashboard: true);
        (Pacs, Import) = await ClientsAsync(App);
    }

    /// <summary>Clients of a run's source PACS (Orthanc) and of ImagingImport, the latter with the service key.</summary>
    public static async Task<(HttpClient Pacs, HttpClient Import)> ClientsAsync(DistributedApplication app)
    {
        var pacs = OrthancPeer.CreateClient((await app.GetConnectionStringAsync("pacs"))!);
        var import = app.CreateHttpClient("imagingimport");
        import.DefaultRequestHeaders.Add("X-Service-Key", await app.ParameterAsync("imagingimport-service-key"));
        return (pacs, import);
    }

    public async ValueTask DisposeAsync()
    {
        Pacs?.Dispose();
        Import?.Dispose();
        await Run.DisposeAsync();
        await Xnat.DisposeAsync();
    }
}

/// <summary>
/// A cohort of studies from Orthanc into XNAT through the app host: the counts move from queued to successful, a study gone
/// from the source ends queue_failed, XNAT failing 30% of its calls is retried through, and ImagingImport killed with
/// SIGKILL in the middle of the cohort is restarted and finishes with the right counts and no duplicate experiment.
/// </summary>
public sealed class CohortImportEndToEndTests(CohortImportApplication whole) : IClassFixture<CohortImportApplication>
{
    private const string Project = "E2E_COHORT";
    private const int Studies = 12;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_cohort_survives_a_flaky_XNAT_a_missing_study_and_a_killed_importer_and_is_imported_exactly_once()
    {
        var accessions = new List<string>();
        string? missingStudy = null;
        for (var i = 0; i < Studies; i++)
        {
            var study = DicomUid.Generate();
            accessions.Add($"E2E-ACC-{i:D2}");
            await StoreAsync(study, $"E2E-PAT-{i / 3}", accessions[^1]);
            missingStudy ??= study;
        }

        // The cohort query as a caller writes it: base64url JSON without padding.
        var query = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { accession_numbers = accessions })))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

        // Every XNAT call takes a second while the import starts, so the first study is still unread when it leaves the source.
        whole.Xnat.Latency = TimeSpan.FromSeconds(1);
        using (var started = await whole.Import.PostAsync($"/retrieval/import/{Project}?encoded_query={query}&create_project=true", null, Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            Assert.Equal(Studies, (await started.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("queued").GetInt32());
        }

        await DeleteFromPacsAsync(missingStudy!);
        whole.Xnat.Latency = TimeSpan.FromMilliseconds(50);
        whole.Xnat.FailureRate = 0.3;

        // Some of the cohort is in; then the importer is killed in the middle of the rest. XNAT slows to seconds a call first,
        // so a study seen processing is still processing when the kill comes, however loaded the machine.
        await WaitForAsync(async () => (await StatusesAsync()).Count(s => s == "successful") >= 3, "three studies imported");
        whole.Xnat.Latency = TimeSpan.FromSeconds(4);
        await Task.Delay(TimeSpan.FromMilliseconds(500), Ct);
        await WaitForAsync(async () => (await StatusesAsync()).Contains("processing"), "a study under way");
        System.Diagnostics.Process.GetProcessById(Assert.Single(whole.Run.Pids("imagingimport"))).Kill();

        // Started again as a container platform restarts a crashed service (Aspire restarts nothing by itself).
        using (var restart = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await whole.App.ResourceNotifications.WaitForResourceAsync("imagingimport",
                e => e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state), restart.Token);
            await whole.App.ExecuteCommandAsync("imagingimport", KnownResourceCommands.StartCommand, restart.Token);
            await whole.App.WaitRunningHealthyAsync("imagingimport", restart.Token);
        }

        whole.Xnat.Latency = TimeSpan.FromMilliseconds(50);
        await WaitForAsync(async () => (await StatusesAsync()).All(s => s is not ("queued" or "processing")), "every study settled");
        whole.Xnat.FailureRate = 0;

        using var counts = await whole.Import.GetAsync($"/retrieval/import_status_count/{Project}?encoded_query={query}", Ct);
        Assert.Equal(HttpStatusCode.OK, counts.StatusCode);
        Assert.Equal("""{"project_creation_completed":true,"import_status":{"successful_count":11,"failed_count":0,"processing_count":0,"queued_count":0,"queue_failed_count":1}}""",
            await counts.Content.ReadAsStringAsync(Ct));
        // Each imported study is one experiment, labelled with its accession number, under one subject per patient.
        var experiments = whole.Xnat.Experiments.Where(e => e.Project == Project).ToList();
        Assert.Equal(accessions.Skip(1), experiments.Select(e => e.Label).Order());
        Assert.Equal(4, experiments.Select(e => e.Subject).Distinct().Count());
        // The kill caught imports in flight: their studies came back when the lease ran out, and those XNAT already had counted once.
        Assert.Contains(await whole.App.ConsoleLinesAsync("imagingimport", Ct), l => l.Contains("lost its importer; taken as failed", StringComparison.Ordinal));

        // The dashboard shows the importer's calls to the source PACS and to XNAT as client spans, server and port named.
        using var dashboard = Dashboard.Client(whole.Run);
        var calledPorts = new HashSet<int>();
        await WaitForAsync(async () =>
        {
            foreach (var (_, span) in await Dashboard.SpansAsync(dashboard, Ct, "imagingimport"))
            {
                // OTLP span kind 3: client.
                if (Dashboard.Kind(span) == 3 && Dashboard.Attribute(span, "server.port") is { } port)
                {
                    calledPorts.Add(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            return calledPorts.Contains(whole.Pacs.BaseAddress!.Port) && calledPorts.Contains(whole.Xnat.BaseAddress.Port);
        }, "client spans to the PACS and XNAT in the dashboard");
    }

    private async Task<List<string>> StatusesAsync()
    {
        var page = await whole.Import.GetFromJsonAsync<JsonElement>($"/retrieval/studies/{Project}?limit=1000", Ct);
        return [.. page.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("status").GetString()!)];
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // The importer is down for a moment while it restarts.
            }

            await Task.Delay(200, Ct);
        }

        Assert.Fail($"Waited 90 s for: {what}.");
    }

    private Task StoreAsync(string studyUid, string patientId, string accession) =>
        OrthancPeer.StoreAsync(whole.Pacs, DicomImages.SecondaryCapture(new PatientStudy(patientId, "Cohort^Patient", studyUid, DateTimeOffset.UnixEpoch, accession),
            new ImageSeries(DicomUid.Generate(), 1, "OT"), 1, ImagePixels.Gray8(new byte[256], 16, 16), DateTimeOffset.UnixEpoch), Ct);

    private Task DeleteFromPacsAsync(string studyUid) => OrthancPeer.DeleteStudyAsync(whole.Pacs, studyUid, Ct);
}
