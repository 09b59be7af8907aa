using Imaging.Contracts;
using Imaging.ResultsApi.Analysis;

namespace ResultsApi.Tests;

/// <summary>
/// How a series reaches the worker and its results come back: /compute and the stable-series scan queue it through
/// the outbox; the worker takes it (service role only), reads its instances, stores files and reports the outcome
/// for its attempt; stale and repeated reports change nothing; a failed analysis can be queued again.
/// </summary>
public sealed class SeriesAnalysisApiTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_worker_takes_the_series_reads_its_instances_stores_files_and_finishes_it_once()
    {
        var (series, instances) = await StoreSeriesAsync(3);
        var (token, source) = await TokenAsync();
        Assert.Equal(HttpStatusCode.OK, (await VendorAsync($"/compute/{series}", token)).Status);
        var job = await QueuedJobAsync(series);
        Assert.Equal(new SeriesAnalysisJob(source, series, 1), job);
        var worker = await api.LoginAsync("workflow-worker", ResultsApiFactory.WorkerPassword);
        var admin = await api.LoginAsync();
        var path = $"/api/v1/series-analyses/{source}/{series}";

        using var notAWorker = await admin.PostAsJsonAsync($"{path}/started", new { attempt = 1 }, Ct);
        using var stale = await worker.PostAsJsonAsync($"{path}/started", new { attempt = 7 }, Ct);
        using var started = await worker.PostAsJsonAsync($"{path}/started", new { attempt = 1 }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, notAWorker.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        var context = await started.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("OT", context.GetProperty("modality").GetString());
        Assert.Equal(instances.Select(i => i.Uid), context.GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("sop_instance_uid").GetString()));
        Assert.Equal(instances[1].Bytes, await worker.GetByteArrayAsync($"{path}/instances/{instances[1].Uid}", Ct));
        Assert.Equal(HttpStatusCode.Accepted, (await VendorAsync($"/results/{series}", token)).Status);

        var report = Encoding.UTF8.GetBytes("{\"triage_status\":\"Routine\"}");
        using (var put = await worker.PutAsync($"{path}/files/report.json", new ByteArrayContent(report), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using (var sneaky = await worker.PutAsync($"{path}/files/..%2F..%2Fescape.json", new ByteArrayContent(report), Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, sneaky.StatusCode);
        }

        using var unknownKind = await worker.PostAsJsonAsync($"{path}/finished",
            new { attempt = 1, usecase = "mr_image_quality", triage_status = "Routine", files = new Dictionary<string, string[]> { ["movies"] = ["report.json"] } }, Ct);
        using var missingFile = await worker.PostAsJsonAsync($"{path}/finished",
            new { attempt = 1, usecase = "mr_image_quality", triage_status = "Routine", files = new Dictionary<string, string[]> { ["sc"] = ["sc-0001.dcm"] } }, Ct);
        using var badTriage = await worker.PostAsJsonAsync($"{path}/finished",
            new { attempt = 1, usecase = "mr_image_quality", triage_status = "Fine", files = new Dictionary<string, string[]>() }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, unknownKind.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missingFile.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badTriage.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await VendorAsync($"/results/{series}", token)).Status);

        var outcome = new { attempt = 1, usecase = "mr_image_quality", triage_status = "Critical", files = new Dictionary<string, string[]> { ["json"] = ["report.json"] } };
        using var finished = await worker.PostAsJsonAsync($"{path}/finished", outcome, Ct);
        using var again = await worker.PostAsJsonAsync($"{path}/finished", outcome with { triage_status = "Routine" }, Ct);
        using var lateFailure = await worker.PostAsJsonAsync($"{path}/failed", new { attempt = 1, reason = "too late" }, Ct);
        Assert.Equal(HttpStatusCode.NoContent, finished.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, lateFailure.StatusCode);

        var (status, body) = await VendorAsync($"/results/{series}", token);
        Assert.Equal(HttpStatusCode.OK, status);
        var results = JsonDocument.Parse(body).RootElement;
        Assert.Equal("Critical", results.GetProperty("triage_status").GetString());
        Assert.Equal("mr_image_quality", results.GetProperty("usecase").GetString());
        var link = new Uri(Assert.Single(results.GetProperty("result").GetProperty("files").EnumerateObject()).Value[0].GetString()!);
        Assert.Equal(report, await api.CreateClient().GetByteArrayAsync(link.PathAndQuery, Ct));
        Assert.Equal(HttpStatusCode.NotModified, (await VendorAsync($"/compute/{series}", token)).Status);
    }

    [Fact]
    public async Task The_DICOM_results_join_the_analysed_study_for_DICOMweb_and_are_never_analysed_themselves()
    {
        var (series, _) = await StoreSeriesAsync(1);
        var (token, source) = await TokenAsync();
        Assert.Equal(HttpStatusCode.OK, (await VendorAsync($"/compute/{series}", token)).Status);
        var worker = await api.LoginAsync("workflow-worker", ResultsApiFactory.WorkerPassword);
        var path = $"/api/v1/series-analyses/{source}/{series}";
        (await worker.PostAsJsonAsync($"{path}/started", new { attempt = 1 }, Ct)).Dispose();
        var study = await StudyOfAsync(series);
        var derivedSeries = DicomUid.Generate();
        byte[] Capture(string studyUid, string seriesUid)
        {
            var dataset = DicomImages.SecondaryCapture(new PatientStudy("PAT-1", "Test^Patient", studyUid, DateTimeOffset.UnixEpoch),
                new ImageSeries(seriesUid, 9001, "OT", "Previews"), 1, ImagePixels.Gray8(new byte[16], 4, 4), DateTimeOffset.UnixEpoch);
            using var buffer = new MemoryStream();
            DicomFile.Create(dataset).Save(buffer);
            return buffer.ToArray();
        }

        foreach (var (name, bytes) in new[] { ("sc-0001.dcm", Capture(study, derivedSeries)), ("other-study.dcm", Capture(DicomUid.Generate(), DicomUid.Generate())),
                     ("not-dicom.dcm", Encoding.ASCII.GetBytes("just text")), ("report.json", "{}"u8.ToArray()) })
        {
            using var put = await worker.PutAsync($"{path}/files/{name}", new ByteArrayContent(bytes), Ct);
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        foreach (var bad in new[] { "other-study.dcm", "not-dicom.dcm" })
        {
            using var refused = await worker.PostAsJsonAsync($"{path}/finished", new
            {
                attempt = 1,
                usecase = "qct",
                triage_status = "Routine",
                files = new Dictionary<string, string[]> { ["sc"] = ["sc-0001.dcm"], ["seg"] = [bad] }
            }, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("Result not storable in the study", (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("title").GetString());
        }

        // Refused whole: nothing of the results was indexed, and the analysis is still running.
        var admin = await api.LoginAsync();
        Assert.DoesNotContain(derivedSeries, await SeriesOfStudyAsync(admin, study));
        using var finished = await worker.PostAsJsonAsync($"{path}/finished", new
        {
            attempt = 1,
            usecase = "qct",
            triage_status = "Routine",
            files = new Dictionary<string, string[]> { ["sc"] = ["sc-0001.dcm"], ["json"] = ["report.json"] }
        }, Ct);
        Assert.Equal(HttpStatusCode.NoContent, finished.StatusCode);

        Assert.Equal(new[] { series, derivedSeries }.Order(StringComparer.Ordinal), (await SeriesOfStudyAsync(admin, study)).Order(StringComparer.Ordinal));
        var (status, body) = await VendorAsync($"/results/{derivedSeries}", token);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains($"holds results of the analysis of series {series}", body, StringComparison.Ordinal);
        api.Clock.Advance(TimeSpan.FromMinutes(3));
        await api.Services.GetRequiredService<StableSeriesQueue>().QueueStableSeriesAsync(TimeSpan.FromMinutes(2), Ct);
        Assert.Null(await QueuedJobAsync(derivedSeries));
    }

    private async Task<string> StudyOfAsync(string series)
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        return await db.Instances.Where(i => i.SeriesInstanceUid == series).Select(i => i.StudyInstanceUid).FirstAsync(Ct);
    }

    /// <summary>QIDO-RS: the Series Instance UIDs of a study.</summary>
    private static async Task<List<string>> SeriesOfStudyAsync(HttpClient client, string study)
    {
        var found = await client.GetFromJsonAsync<JsonElement>($"/dicom-web/studies/{study}/series", Ct);
        return [.. found.EnumerateArray().Select(s => s.GetProperty("0020000E").GetProperty("Value")[0].GetString()!)];
    }

    [Fact]
    public async Task A_failed_analysis_answers_its_reason_and_compute_queues_it_again_as_a_new_attempt()
    {
        var (series, _) = await StoreSeriesAsync(1);
        var (token, source) = await TokenAsync();
        await VendorAsync($"/compute/{series}", token);
        var worker = await api.LoginAsync("workflow-worker", ResultsApiFactory.WorkerPassword);
        var path = $"/api/v1/series-analyses/{source}/{series}";
        (await worker.PostAsJsonAsync($"{path}/started", new { attempt = 1 }, Ct)).Dispose();
        using (var noReason = await worker.PostAsJsonAsync($"{path}/failed", new { attempt = 1, reason = " " }, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        }

        using (var failed = await worker.PostAsJsonAsync($"{path}/failed", new { attempt = 1, reason = "ResultsApi kept answering 503" }, Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, failed.StatusCode);
        }

        var (failedStatus, failedBody) = await VendorAsync($"/results/{series}", token);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, failedStatus);
        Assert.Equal($"{{\"success\":false,\"message\":\"Analysis failed. Call /compute again to retry.\",\"seriesInstanceUID\":\"{series}\",\"accessionNumber\":\"ACC-1\","
            + "\"debug_info\":{\"reason\":\"ResultsApi kept answering 503\"},\"result\":{}}", failedBody);

        Assert.Equal(HttpStatusCode.OK, (await VendorAsync($"/compute/{series}", token)).Status);
        Assert.Equal(HttpStatusCode.NotModified, (await VendorAsync($"/compute/{series}", token)).Status);
        Assert.Equal(new SeriesAnalysisJob(source, series, 2), await QueuedJobAsync(series, attempt: 2));
        using var oldAttempt = await worker.PostAsJsonAsync($"{path}/started", new { attempt = 1 }, Ct);
        using var newAttempt = await worker.PostAsJsonAsync($"{path}/started", new { attempt = 2 }, Ct);
        Assert.Equal(HttpStatusCode.Conflict, oldAttempt.StatusCode);
        Assert.Equal(HttpStatusCode.OK, newAttempt.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await VendorAsync($"/results/{series}", token)).Status);
    }

    [Fact]
    public async Task A_series_left_alone_long_enough_is_queued_without_compute_and_a_fresh_one_is_not()
    {
        var (stable, _) = await StoreSeriesAsync(2);
        api.Clock.Advance(TimeSpan.FromMinutes(3));
        var (fresh, _) = await StoreSeriesAsync(1);
        var scan = api.Services.GetRequiredService<StableSeriesQueue>();

        var queued = await scan.QueueStableSeriesAsync(TimeSpan.FromMinutes(2), Ct);
        var again = await scan.QueueStableSeriesAsync(TimeSpan.FromMinutes(2), Ct);

        Assert.True(queued >= 1);
        Assert.Equal(0, again);
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var analysis = await db.SeriesAnalyses.SingleAsync(a => a.SeriesInstanceUid == stable, Ct);
        Assert.Equal((AnalysisStatus.QUEUED, "stable", 1), (analysis.Status, analysis.QueuedBy, analysis.Attempt));
        Assert.False(await db.SeriesAnalyses.AnyAsync(a => a.SeriesInstanceUid == fresh, Ct));
        Assert.NotNull(await QueuedJobAsync(stable));

        // The next scans look only at what was stored since the last one's cutoff: the fresh series is found once stable.
        api.Clock.Advance(TimeSpan.FromMinutes(3));
        Assert.True(await scan.QueueStableSeriesAsync(TimeSpan.FromMinutes(2), Ct) >= 1);
        Assert.True(await db.SeriesAnalyses.AnyAsync(a => a.SeriesInstanceUid == fresh, Ct));
    }

    [Fact]
    public async Task While_the_analysis_runs_results_keeps_the_seed_body_and_says_how_far_it_is_in_headers()
    {
        var (series, _) = await StoreSeriesAsync(2);
        var (token, source) = await TokenAsync();
        Assert.Equal(HttpStatusCode.OK, (await VendorAsync($"/compute/{series}", token)).Status);
        var worker = await api.LoginAsync("workflow-worker", ResultsApiFactory.WorkerPassword);
        var path = $"/api/v1/series-analyses/{source}/{series}";
        var underProcess = $$"""{"success":false,"message":"Resource with sopInstanceUID {{series}} is under process. Please check back in some time."}""";

        using (var early = await worker.PostAsJsonAsync($"{path}/progress", new { attempt = 1, percent = 10, stage = "read instance 1 of 2" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        }

        var queued = await VendorWithHeadersAsync($"/results/{series}", token);
        Assert.Equal((HttpStatusCode.Accepted, underProcess, "0", "queued"), queued);

        (await worker.PostAsJsonAsync($"{path}/started", new { attempt = 1 }, Ct)).Dispose();
        using (var reported = await worker.PostAsJsonAsync($"{path}/progress", new { attempt = 1, percent = 35, stage = "read instance 1 of 2" }, Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        Assert.Equal((HttpStatusCode.Accepted, underProcess, "35", "read instance 1 of 2"), await VendorWithHeadersAsync($"/results/{series}", token));

        (object Body, HttpStatusCode Status, string Title)[] refused =
        [
            (new { attempt = 1, percent = 100, stage = "done" }, HttpStatusCode.BadRequest, "Invalid progress"),
            (new { attempt = 1, percent = 50, stage = "" }, HttpStatusCode.BadRequest, "Invalid stage"),
            (new { attempt = 1, percent = 50, stage = "line\r\nX-Injected: 1" }, HttpStatusCode.BadRequest, "Invalid stage"),
            (new { attempt = 1, percent = 50, stage = "slice 3 × 4" }, HttpStatusCode.BadRequest, "Invalid stage"),
            (new { attempt = 2, percent = 50, stage = "another attempt" }, HttpStatusCode.Conflict, "Stale analysis"),
        ];
        foreach (var (body, status, title) in refused)
        {
            using var response = await worker.PostAsJsonAsync($"{path}/progress", body, Ct);
            Assert.Equal(status, response.StatusCode);
            Assert.Equal(title, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("title").GetString());
        }

        Assert.Equal((HttpStatusCode.Accepted, underProcess, "35", "read instance 1 of 2"), await VendorWithHeadersAsync($"/results/{series}", token));

        (await worker.PostAsJsonAsync($"{path}/failed", new { attempt = 1, reason = "The pixel data is truncated." }, Ct)).Dispose();
        var failed = await VendorWithHeadersAsync($"/results/{series}", token);
        Assert.Equal((HttpStatusCode.UnprocessableEntity, null, null), (failed.Status, failed.Progress, failed.Stage));
    }

    private async Task<(HttpStatusCode Status, string Body, string? Progress, string? Stage)> VendorWithHeadersAsync(string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", $"Token {token}");
        request.Headers.Add("Source", "default");
        using var response = await api.CreateClient().SendAsync(request, Ct);
        static string? One(HttpResponseMessage r, string name) => r.Headers.TryGetValues(name, out var values) ? Assert.Single(values) : null;
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct), One(response, "X-Analysis-Progress"), One(response, "X-Analysis-Stage"));
    }

    private async Task<(string Series, List<(string Uid, byte[] Bytes)> Instances)> StoreSeriesAsync(int count)
    {
        var client = await api.LoginAsync();
        var (study, series) = (DicomUid.Generate(), DicomUid.Generate());
        var instances = new List<(string, byte[])>();
        // Stored in reverse, so the worker's order comes from the instance numbers, not from the upload.
        for (var number = count; number >= 1; number--)
        {
            var bytes = StowTests.Instance(study, series, number, out var uid);
            using var stored = await client.PostAsync("/dicom-web/studies", StowTests.Related(bytes), Ct);
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
            instances.Insert(0, (uid, bytes));
        }

        return (series, instances);
    }

    private async Task<(string Token, Guid Source)> TokenAsync()
    {
        var admin = await api.LoginAsync();
        using var response = await admin.PostAsJsonAsync("/api/v1/sources/tokens", new { name = "analysis tests" }, Ct);
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("token").GetString()!;
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        return (token, await db.Sources.Where(s => s.Name == "default").Select(s => s.Id).SingleAsync(Ct));
    }

    /// <summary>The outbox row that announces the series' analysis (committed with it).</summary>
    private async Task<SeriesAnalysisJob?> QueuedJobAsync(string series, int attempt = 1)
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var bodies = await db.Outbox.Where(m => m.MessageType == typeof(SeriesAnalysisJob).FullName).Select(m => m.Body).ToListAsync(Ct);
        return bodies.Select(b => JsonSerializer.Deserialize<SeriesAnalysisJob>(b)!).SingleOrDefault(j => j.SeriesInstanceUid == series && j.Attempt == attempt);
    }

    private async Task<(HttpStatusCode Status, string Body)> VendorAsync(string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", $"Token {token}");
        request.Headers.Add("Source", "default");
        using var response = await api.CreateClient().SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }
}
