using System.Net.Http.Json;
using System.Text.Json;
using Imaging.Dicom;
using Imaging.ImagingImport.Cohort;
using Imaging.ImagingImport.Import;
using Imaging.ImagingImport.Tracking;
using Microsoft.EntityFrameworkCore;

namespace ImagingImport.Tests;

/// <summary>
/// A cohort from Orthanc (the source PACS, over DICOMweb) into the XNAT stand-in: counts move from queued to successful,
/// a study gone from the source ends queue_failed, a flaky XNAT still ends with every study imported once, reimport
/// queues exactly the failed ones, a study whose importer vanished is taken as failed after the window and retried.
/// </summary>
// Not beside the other class that imports: ImportTests counts the import phases through a process-wide MeterListener.
[Collection(ImportMetricsCollection.Name)]
public sealed class ImportTests(ImportFactory import) : IClassFixture<ImportFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_cohort_is_imported_once_with_pseudonymous_subjects_and_a_study_gone_from_the_source_ends_queue_failed()
    {
        var studies = await StoreCohortAsync("A", 5);
        var query = Query(studies.Select(s => s.Accession));
        var client = import.CreateServiceClient();

        using var started = await client.PostAsync($"/retrieval/import/PROJ_A?encoded_query={query}&create_project=true", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal(5, (await started.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("queued").GetInt32());
        Assert.Equal(Counts(queued: 5), await CountsAsync("PROJ_A", query));

        await DeleteFromOrthancAsync(studies[4].StudyUid);
        var phases = new System.Collections.Concurrent.ConcurrentBag<string>();
        using (var listener = new System.Diagnostics.Metrics.MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "imagingimport.study.phase.duration")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<double>((_, _, tags, _) => phases.Add((string)tags[0].Value!));
            listener.Start();
            await RunUntilSettledAsync();
        }

        Assert.Equal(Counts(successful: 4, queueFailed: 1), await CountsAsync("PROJ_A", query));
        var experiments = import.Xnat.Experiments.Where(e => e.Project == "PROJ_A").ToList();
        Assert.Equal(studies.Take(4).Select(s => s.Accession).Order(), experiments.Select(e => e.Label).Order());
        // Two studies per patient: one subject each, and the label does not show the patient id.
        Assert.Equal(2, experiments.Select(e => e.Subject).Distinct().Count());
        Assert.All(experiments, e => Assert.Matches("^SUBJ-[A-Z2-7]{16}$", e.Subject));
        Assert.Equal("4", import.Xnat.PrearchiveCode("PROJ_A"));
        // Each phase of each import is timed: 5 checks, 5 retrievals (one finding nothing), 4 packs, uploads and confirmations.
        Assert.Equal(["confirm:4", "pack:4", "retrieve:5", "upload:4", "xnat_check:5"],
            phases.GroupBy(p => p).Select(g => $"{g.Key}:{g.Count()}").Order(StringComparer.Ordinal));

        using var again = await client.PostAsync($"/retrieval/import/PROJ_A?encoded_query={query}", null, Ct);
        Assert.Equal(0, (await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("queued").GetInt32());
    }

    [Fact]
    public async Task With_XNAT_failing_a_third_of_its_calls_every_study_still_ends_imported_exactly_once()
    {
        var studies = await StoreCohortAsync("B", 6);
        var query = Query(studies.Select(s => s.Accession));
        var client = import.CreateServiceClient();
        (await client.PostAsync($"/retrieval/import/PROJ_B?encoded_query={query}&create_project=true", null, Ct)).Dispose();

        import.Xnat.FailureRate = 0.3;
        try
        {
            await RunUntilSettledAsync();
        }
        finally
        {
            import.Xnat.FailureRate = 0;
        }

        Assert.Equal(Counts(successful: 6), await CountsAsync("PROJ_B", query));
        Assert.Equal(6, import.Xnat.Experiments.Count(e => e.Project == "PROJ_B"));
    }

    [Fact]
    public async Task Reimport_queues_exactly_the_failed_studies_once_even_when_asked_twice()
    {
        var studies = await StoreCohortAsync("C", 3);
        var query = Query(studies.Select(s => s.Accession));
        var client = import.CreateServiceClient();
        (await client.PostAsync($"/retrieval/import/PROJ_C?encoded_query={query}&create_project=true", null, Ct)).Dispose();
        import.Xnat.FailureRate = 1;
        await RunUntilSettledAsync();
        import.Xnat.FailureRate = 0;
        Assert.Equal(Counts(failed: 3), await CountsAsync("PROJ_C", query));

        var first = client.PutAsync($"/retrieval/reimport_imaging_project_studies/PROJ_C?encoded_query={query}", null, Ct);
        var second = client.PutAsync($"/retrieval/reimport_imaging_project_studies/PROJ_C?encoded_query={query}", null, Ct);
        var answers = await Task.WhenAll(first, second);
        var bodies = await Task.WhenAll(answers.Select(a => a.Content.ReadFromJsonAsync<JsonElement>(Ct)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        Assert.All(bodies, b => Assert.Equal(("Reimport queued", "PROJ_C"), (b.GetProperty("message").GetString(), b.GetProperty("projectId").GetString())));
        Assert.Equal(3, bodies.Sum(b => b.GetProperty("queued").GetInt32()));
        await RunUntilSettledAsync();
        Assert.Equal(Counts(successful: 3), await CountsAsync("PROJ_C", query));
    }

    [Fact]
    public async Task A_study_whose_importer_vanished_is_taken_as_failed_when_its_lease_runs_out_and_retried()
    {
        var query = await StartCohortAsync("D", 3, "PROJ_D");
        var queue = import.Services.GetRequiredService<ImportQueue>();

        // Claimed as an importer that is then killed would: processing, its lease never renewed. Two at once per project.
        var claimed = await queue.ClaimAsync(10, Ct);
        Assert.Equal(2, claimed.Count);
        Assert.Equal(Counts(processing: 2, queued: 1), await CountsAsync("PROJ_D", query));
        Assert.Empty(await queue.ClaimAsync(10, Ct));
        import.Clock.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0, await queue.ExpireLeasesAsync(Ct));

        import.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(2, await queue.ExpireLeasesAsync(Ct));
        Assert.Equal(2, await StudiesWithErrorAsync("PROJ_D", "The importer stopped holding the study (it was killed or lost its database): taken as failed."));
        await RunUntilSettledAsync();

        Assert.Equal(Counts(successful: 3), await CountsAsync("PROJ_D", query));
    }

    [Fact]
    public async Task A_study_processing_past_the_window_is_taken_as_failed_even_while_its_lease_is_renewed_and_retried()
    {
        var query = await StartCohortAsync("F", 3, "PROJ_F");
        var queue = import.Services.GetRequiredService<ImportQueue>();
        var claimed = await queue.ClaimAsync(10, Ct);
        Assert.Equal(2, claimed.Count);

        // A hung importer whose renewals go on: the lease never runs out, only the window does.
        for (var minute = 0; minute < 29; minute++)
        {
            import.Clock.Advance(TimeSpan.FromMinutes(1));
            await RenewLeasesAsync("PROJ_F");
            Assert.Equal(0, await queue.ExpireLeasesAsync(Ct));
        }

        import.Clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await RenewLeasesAsync("PROJ_F");
        Assert.Equal(2, await queue.ExpireLeasesAsync(Ct));
        Assert.Equal(2, await StudiesWithErrorAsync("PROJ_F", "Still processing after 00:30:00: taken as failed (the import hung)."));
        await RunUntilSettledAsync();

        Assert.Equal(Counts(successful: 3), await CountsAsync("PROJ_F", query));
        Assert.Equal(3, import.Xnat.Experiments.Count(e => e.Project == "PROJ_F"));
    }

    [Fact]
    public async Task A_stopping_service_hands_its_studies_back_at_once_without_counting_the_attempt()
    {
        var query = await StartCohortAsync("G", 3, "PROJ_G");
        var queue = import.Services.GetRequiredService<ImportQueue>();

        // The imports are under way (each XNAT call takes a second) when the service is asked to stop.
        import.Xnat.Latency = TimeSpan.FromSeconds(1);
        try
        {
            using var stopping = new CancellationTokenSource();
            var round = queue.RunOnceAsync(stopping.Token);
            await Task.Delay(300, Ct);
            await stopping.CancelAsync();
            await round;
        }
        finally
        {
            import.Xnat.Latency = TimeSpan.Zero;
        }

        Assert.Equal(Counts(queued: 3), await CountsAsync("PROJ_G", query));
        var page = await import.CreateServiceClient().GetFromJsonAsync<JsonElement>("/retrieval/studies/PROJ_G", Ct);
        Assert.All(page.GetProperty("items").EnumerateArray(), s => Assert.Equal(0, s.GetProperty("attempts").GetInt32()));
        await RunUntilSettledAsync();
        Assert.Equal(Counts(successful: 3), await CountsAsync("PROJ_G", query));
    }

    [Fact]
    public async Task Small_cohorts_bad_queries_unknown_projects_missing_keys_and_an_unreachable_XNAT_get_clear_answers()
    {
        var studies = await StoreCohortAsync("E", 2);
        var small = Query(studies.Select(s => s.Accession));
        var client = import.CreateServiceClient();
        import.Xnat.AddProject("PROJ_E");

        using var tooSmall = await client.PostAsync($"/retrieval/import/PROJ_E?encoded_query={small}", null, Ct);
        using var badQuery = await client.GetAsync("/retrieval/import_status_count/PROJ_E?encoded_query=%%%", Ct);
        using var unknown = await client.GetAsync($"/retrieval/import_status_count/NO_SUCH?encoded_query={small}", Ct);
        using var noKey = await import.CreateClient().GetAsync($"/retrieval/import_status_count/PROJ_E?encoded_query={small}", Ct);
        using var emptyReimport = await client.PutAsync("/retrieval/reimport_imaging_project_studies/PROJ_E?encoded_query=", null, Ct);
        import.Xnat.Hang = TimeSpan.FromSeconds(30);
        HttpResponseMessage hung;
        try
        {
            hung = await client.GetAsync($"/retrieval/import_status_count/PROJ_E?encoded_query={small}", Ct);
        }
        finally
        {
            import.Xnat.Hang = null;
        }

        Assert.Equal(HttpStatusCode.Forbidden, tooSmall.StatusCode);
        Assert.Contains("small cohorts identify people", await tooSmall.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(Counts(), await CountsAsync("PROJ_E", small));
        Assert.Equal(HttpStatusCode.BadRequest, badQuery.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, emptyReimport.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, hung.StatusCode);
        Assert.Contains("did not answer within 2 s", await hung.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private static string Counts(int successful = 0, int failed = 0, int processing = 0, int queued = 0, int queueFailed = 0) =>
        $"{{\"project_creation_completed\":true,\"import_status\":{{\"successful_count\":{successful},\"failed_count\":{failed},\"processing_count\":{processing},"
        + $"\"queued_count\":{queued},\"queue_failed_count\":{queueFailed}}}}}";

    private async Task<string> CountsAsync(string project, string query)
    {
        using var response = await import.CreateServiceClient().GetAsync($"/retrieval/import_status_count/{project}?encoded_query={query}", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    /// <summary>Runs import rounds, moving the clock past each back-off, until nothing is queued or processing.</summary>
    private async Task RunUntilSettledAsync()
    {
        var queue = import.Services.GetRequiredService<ImportQueue>();
        for (var round = 0; round < 60; round++)
        {
            await queue.RunOnceAsync(Ct);
            import.Clock.Advance(TimeSpan.FromSeconds(1));
            if (await queue.ClaimAsync(0, Ct) is [] && await PendingAsync() == 0)
            {
                return;
            }
        }

        Assert.Fail("The imports did not settle in 60 rounds.");
    }

    private async Task<int> PendingAsync()
    {
        var all = 0;
        foreach (var project in new[] { "PROJ_A", "PROJ_B", "PROJ_C", "PROJ_D", "PROJ_F", "PROJ_G" })
        {
            foreach (var status in new[] { "queued", "processing" })
            {
                var page = await import.CreateServiceClient().GetFromJsonAsync<JsonElement>($"/retrieval/studies/{project}?status={status}", Ct);
                all += page.GetProperty("total").GetInt32();
            }
        }

        return all;
    }

    private async Task<string> StartCohortAsync(string prefix, int count, string project)
    {
        var studies = await StoreCohortAsync(prefix, count);
        var query = Query(studies.Select(s => s.Accession));
        using var started = await import.CreateServiceClient().PostAsync($"/retrieval/import/{project}?encoded_query={query}&create_project=true", null, Ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        return query;
    }

    private async Task RenewLeasesAsync(string project)
    {
        await using var scope = import.Services.CreateAsyncScope();
        var until = import.Clock.GetUtcNow() + TimeSpan.FromMinutes(1);
        await scope.ServiceProvider.GetRequiredService<ImportDbContext>().Studies.Where(s => s.ProjectId == project && s.Status == ImportStatus.processing)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.LeaseUntil, until), Ct);
    }

    private async Task<int> StudiesWithErrorAsync(string project, string error)
    {
        var page = await import.CreateServiceClient().GetFromJsonAsync<JsonElement>($"/retrieval/studies/{project}", Ct);
        return page.GetProperty("items").EnumerateArray().Count(s => s.GetProperty("last_error").GetString() == error);
    }

    private static string Query(IEnumerable<string> accessions) => new CohortQuery { AccessionNumbers = [.. accessions] }.Encode();

    /// <summary>Studies of one instance each in Orthanc, two per patient, with their accession numbers.</summary>
    private async Task<List<(string StudyUid, string Accession)>> StoreCohortAsync(string prefix, int count)
    {
        var studies = new List<(string, string)>();
        for (var i = 0; i < count; i++)
        {
            var (study, accession) = (DicomUid.Generate(), $"{prefix}-ACC-{i}");
            var dataset = DicomImages.SecondaryCapture(new PatientStudy($"{prefix}-PAT-{i / 2}", "Cohort^Patient", study, DateTimeOffset.UnixEpoch, accession),
                new ImageSeries(DicomUid.Generate(), 1, "OT"), 1, ImagePixels.Gray8(new byte[64], 8, 8), DateTimeOffset.UnixEpoch);
            await OrthancPeer.StoreAsync(import.Orthanc.Client, dataset, Ct);
            studies.Add((study, accession));
        }

        return studies;
    }

    private Task DeleteFromOrthancAsync(string studyUid) => OrthancPeer.DeleteStudyAsync(import.Orthanc.Client, studyUid, Ct);
}
