using System.Collections.Concurrent;
using System.Diagnostics;
using Imaging.Dicom;

namespace EndToEnd.Tests.Reliability;

/// <summary>
/// The fault suite: the whole application through the app host, each part of it taken away while work goes on, and
/// then the count of what was asked, accepted and done. Nothing accepted may be lost or done twice. Each case leaves
/// the application whole again and writes its figures for docs/reliability.md.
/// </summary>
[Collection(FaultSuiteCollection.Name)]
public sealed class FaultSuiteTests(FaultSuiteApplication whole) : IClassFixture<FaultSuiteApplication>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reconstructions_and_analyses_finish_exactly_once_through_two_SIGKILLs_of_the_worker()
    {
        using var admin = await whole.LoginAsync(Ct);
        using var vendor = await whole.VendorClientAsync(Ct);
        var kspace = ReconstructionEndToEndTests.KSpaceFile("16,256,256", "complex64");
        // The work is queued while the worker is held, so a backlog is there to be killed in the middle of, however fast
        // the machine reconstructs.
        await whole.StopAsync("workflowworker", Ct);
        List<(int Record, Guid Task)> records = [];
        for (var i = 0; i < 12; i++)
        {
            var record = await ReconstructionEndToEndTests.CreateRecordAsync(admin);
            await UploadRawDataAsync(admin, record.Record, kspace);
            records.Add(record);
        }

        List<string> series = [];
        for (var i = 0; i < 6; i++)
        {
            series.Add(await StoreMRSeriesAsync(admin, slices: 8));
            using var compute = await vendor.GetAsync($"/compute/{series[^1]}", Ct);
            Assert.Equal(HttpStatusCode.OK, compute.StatusCode);
        }

        await whole.StartAsync("workflowworker", Ct);

        // Killed while a reconstruction runs, then again once it is back and busy.
        var kills = 0;
        var finished = new HashSet<int>();
        for (var round = 0; round < 2; round++)
        {
            if (!await WaitUntilAsync(async () => (await StatusesAsync(admin, records.Where(r => !finished.Contains(r.Record)), finished)).Contains("INPROGRESS"),
                TimeSpan.FromSeconds(60), pollMilliseconds: 20))
            {
                break;
            }

            var pids = whole.Run.Pids("workflowworker");
            ExternalTool.Run("kill", ["-KILL", .. pids.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
            kills++;
            // Started again as a container platform restarts a crashed service; Aspire restarts nothing by itself.
            await whole.App.WaitForStoppedAsync("workflowworker", Ct);
            await whole.StartAsync("workflowworker", Ct);
        }

        var killed = Stopwatch.StartNew();
        Assert.True(await WaitUntilAsync(async () => (await StatusesAsync(admin, records)).All(s => s == "FINISHED"), TimeSpan.FromMinutes(4)),
            $"records still {string.Join(", ", await StatusesAsync(admin, records))}");
        var analyses = new List<JsonElement>();
        foreach (var uid in series)
        {
            analyses.Add(await WaitForSeriesResultsAsync(vendor, uid, TimeSpan.FromMinutes(2)));
        }

        var recovery = killed.Elapsed.TotalSeconds;
        Assert.True(kills >= 1, "the worker was killed in the middle of a job");
        var duplicated = 0;
        foreach (var (record, task) in records)
        {
            var results = (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/exam/result/all/{task}", Ct)).EnumerateArray().ToList();
            var files = results.SelectMany(r => r.GetProperty("files").EnumerateArray().Select(f => f.GetString())).ToList();
            duplicated += results.Count - 1 + files.Count - 1;
            Assert.Equal([$"record-{record}.dcm"], files);
        }

        foreach (var analysis in analyses)
        {
            var previews = analysis.GetProperty("result").GetProperty("files").GetProperty("sc").EnumerateArray().Select(f => new Uri(f.GetString()!).AbsolutePath).ToList();
            duplicated += previews.Count - previews.Distinct().Count();
            Assert.Equal(8, previews.Distinct().Count());
        }

        Assert.Equal(0, duplicated);
        new FaultFigures("worker-sigkill", records.Count + series.Count, records.Count + series.Count, records.Count + analyses.Count, 0, duplicated,
            Math.Round(recovery, 1), $"{kills} SIGKILLs; 12 reconstructions of 16x256x256 and 6 MR series of 8 slices").Write();
    }

    [Fact]
    public async Task Records_uploaded_while_RabbitMQ_is_stopped_for_30_seconds_are_all_reconstructed_once_after_it_returns()
    {
        using var admin = await whole.LoginAsync(Ct);
        var kspace = ReconstructionEndToEndTests.KSpaceFile("2,32,32", "complex64");
        List<(int Record, Guid Task)> records = [];
        var made = 0;
        await whole.StopAsync("messaging", Ct);
        try
        {
            var stopped = Stopwatch.StartNew();
            while (stopped.Elapsed < TimeSpan.FromSeconds(30))
            {
                made++;
                var record = await ReconstructionEndToEndTests.CreateRecordAsync(admin);
                await UploadRawDataAsync(admin, record.Record, kspace);
                records.Add(record);
                await Task.Delay(500, Ct);
            }

            // Accepted, and held in ResultsApi's outbox: none can have reached the worker.
            Assert.All(await StatusesAsync(admin, records), s => Assert.Equal("QUEUED", s));
        }
        finally
        {
            await whole.StartAsync("messaging", Ct);
        }

        var back = Stopwatch.StartNew();
        Assert.True(await WaitUntilAsync(async () => (await StatusesAsync(admin, records)).All(s => s == "FINISHED"), TimeSpan.FromMinutes(3)),
            $"records still {string.Join(", ", (await StatusesAsync(admin, records)).Distinct())}");
        var recovery = back.Elapsed.TotalSeconds;
        var duplicated = 0;
        foreach (var (record, task) in records)
        {
            var results = (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/exam/result/all/{task}", Ct)).EnumerateArray().ToList();
            duplicated += results.Count - 1;
            Assert.Equal([$"record-{record}.dcm"], Assert.Single(results).GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        }

        new FaultFigures("rabbitmq-stopped-30s", made, records.Count, records.Count, 0, duplicated, Math.Round(recovery, 1),
            "uploads every 0.5 s while the broker was stopped; recovery = broker healthy to the last record FINISHED").Write();
    }

    [Fact]
    public async Task While_PostgreSQL_restarts_under_load_requests_fail_fast_with_503_and_no_accepted_write_is_lost()
    {
        using var admin = await whole.LoginAsync(Ct);
        var answers = new ConcurrentBag<(HttpStatusCode Status, double Seconds, string? Id, string? ContentType, bool RetryAfter, string Body, DateTime At)>();
        using var load = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var clients = Enumerable.Range(0, 4).Select(n => Task.Run(async () =>
        {
            while (!load.IsCancellationRequested)
            {
                var timer = Stopwatch.StartNew();
                try
                {
                    using var response = await admin.PostAsJsonAsync("/api/v1/exam/new", new { name = $"Load {n}", patient_id = "P-LOAD" }, load.Token);
                    var body = await response.Content.ReadAsStringAsync(load.Token);
                    string? id = response.StatusCode == HttpStatusCode.Created ? JsonDocument.Parse(body).RootElement.GetProperty("id").ToString() : null;
                    answers.Add((response.StatusCode, timer.Elapsed.TotalSeconds, id, response.Content.Headers.ContentType?.MediaType,
                        response.Headers.RetryAfter is not null, body, DateTime.UtcNow));
                }
                catch (OperationCanceledException) when (load.IsCancellationRequested)
                {
                    return;
                }

                await Task.Delay(50, CancellationToken.None);
            }
        }, CancellationToken.None)).ToList();

        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        // Restarted with five seconds between stop and start: longer than the database retries cover, as a host reboot or a
        // minor-version upgrade would be, so some requests must meet the outage.
        var restartedAt = DateTime.UtcNow;
        await whole.StopAsync("postgres", Ct);
        await Task.Delay(TimeSpan.FromSeconds(5), Ct);
        await whole.StartAsync("postgres", Ct);
        // Load goes on until the service has answered 201 for a while again.
        Assert.True(await WaitUntilAsync(() => Task.FromResult(answers.Count(a => a.At > DateTime.UtcNow.AddSeconds(-3) && a.Status == HttpStatusCode.Created) > 10),
            TimeSpan.FromSeconds(60)), "ResultsApi answers again after the restart");
        await load.CancelAsync();
        await Task.WhenAll(clients);

        var all = answers.ToList();
        var failures = all.Where(a => a.Status != HttpStatusCode.Created).ToList();
        Assert.All(failures, f =>
        {
            Assert.True(f.Status == HttpStatusCode.ServiceUnavailable, $"{(int)f.Status}: {f.Body}");
            Assert.Equal("application/problem+json", f.ContentType);
            Assert.True(f.RetryAfter, "Retry-After on a 503");
            Assert.Equal("Database unavailable", JsonDocument.Parse(f.Body).RootElement.GetProperty("title").GetString());
            Assert.DoesNotContain("   at ", f.Body, StringComparison.Ordinal);
        });
        // Fails fast: no request hangs through the outage.
        Assert.True(all.Max(a => a.Seconds) < 10, $"the slowest answer took {all.Max(a => a.Seconds):F1} s");
        Assert.NotEmpty(failures);

        var accepted = all.Where(a => a.Id is not null).Select(a => a.Id!).ToList();
        var lost = 0;
        foreach (var id in accepted)
        {
            using var exam = await admin.GetAsync($"/api/v1/exam/{id}", Ct);
            lost += exam.StatusCode == HttpStatusCode.OK ? 0 : 1;
        }

        Assert.Equal(0, lost);
        var lastFailure = failures.Max(f => f.At);
        var recovery = (lastFailure - restartedAt).TotalSeconds;
        new FaultFigures("postgresql-restart", all.Count, accepted.Count, accepted.Count, lost, accepted.Count - accepted.Distinct().Count(), Math.Round(recovery, 1),
            $"4 clients creating exams; PostgreSQL stopped for 5 s and started; {failures.Count} answered 503 (slowest answer {all.Max(a => a.Seconds):F2} s); recovery = stop issued to the last 503").Write();
    }

    [Fact]
    public async Task Without_Redis_the_services_keep_working_report_Degraded_and_recover_when_it_returns()
    {
        using var admin = await whole.LoginAsync(Ct);
        using var vendor = await whole.VendorClientAsync(Ct);
        var kspace = ReconstructionEndToEndTests.KSpaceFile("2,32,32", "complex64");
        await whole.StopAsync("redis", Ct);
        (int Record, Guid Task) record;
        string series;
        var stopped = Stopwatch.StartNew();
        try
        {
            foreach (var service in new[] { "resultsapi", "imagingimport" })
            {
                var health = await HealthAsync(service);
                Assert.Equal("Degraded", health.GetProperty("status").GetString());
                Assert.Equal("Degraded", health.GetProperty("entries").GetProperty("redis:redis").GetProperty("status").GetString());
            }

            record = await ReconstructionEndToEndTests.CreateRecordAsync(admin);
            await UploadRawDataAsync(admin, record.Record, kspace);
            series = await StoreMRSeriesAsync(admin, slices: 3);
            using (var compute = await vendor.GetAsync($"/compute/{series}", Ct))
            {
                Assert.Equal(HttpStatusCode.OK, compute.StatusCode);
            }

            Assert.True(await WaitUntilAsync(async () => (await StatusesAsync(admin, [record])).Single() == "FINISHED", TimeSpan.FromSeconds(90)));
            await WaitForSeriesResultsAsync(vendor, series, TimeSpan.FromSeconds(90));
            // Read twice: the second read would come from the cache, which is not there.
            await WaitForSeriesResultsAsync(vendor, series, TimeSpan.FromSeconds(10));
        }
        finally
        {
            await whole.StartAsync("redis", Ct);
        }

        var back = Stopwatch.StartNew();
        Assert.True(await WaitUntilAsync(async () => (await HealthAsync("resultsapi")).GetProperty("status").GetString() == "Healthy", TimeSpan.FromSeconds(60)),
            "ResultsApi healthy again once Redis is back");
        Assert.Contains(await whole.App.ConsoleLinesAsync("resultsapi", Ct), l => l.Contains("Redis is unavailable", StringComparison.Ordinal));
        new FaultFigures("redis-stopped", 3, 3, 3, 0, 0, Math.Round(back.Elapsed.TotalSeconds, 1),
            $"an exam, a reconstruction and an analysis done during {stopped.Elapsed.TotalSeconds:F0} s without Redis; /health Degraded; recovery = Redis started to /health Healthy").Write();
    }

    [Fact]
    public async Task A_cohort_imports_exactly_once_while_XNAT_and_the_source_PACS_flap()
    {
        const string project = "FAULT_FLAP";
        const int studies = 8;
        var accessions = new List<string>();
        for (var i = 0; i < studies; i++)
        {
            accessions.Add($"FLAP-ACC-{i:D2}");
            await OrthancPeer.StoreAsync(whole.Pacs, DicomImages.SecondaryCapture(
                new PatientStudy($"FLAP-PAT-{i / 2}", "Flap^Patient", DicomUid.Generate(), DateTimeOffset.UnixEpoch, accessions[^1]),
                new ImageSeries(DicomUid.Generate(), 1, "OT"), 1, ImagePixels.Gray8(new byte[256], 16, 16), DateTimeOffset.UnixEpoch), Ct);
        }

        var query = Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { accession_numbers = accessions }))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        whole.Xnat.Latency = TimeSpan.FromMilliseconds(300);
        using (var started = await whole.Import.PostAsync($"/retrieval/import/{project}?encoded_query={query}&create_project=true", null, Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }

        // Twenty seconds of flapping: XNAT refusing every call half the time, the PACS stopped and started twice.
        var flapping = Stopwatch.StartNew();
        try
        {
            for (var cycle = 0; cycle < 2; cycle++)
            {
                whole.Xnat.FailureRate = 1;
                await whole.StopAsync("pacs", Ct);
                await Task.Delay(TimeSpan.FromSeconds(4), Ct);
                whole.Xnat.FailureRate = 0;
                await Task.Delay(TimeSpan.FromSeconds(2), Ct);
                await whole.StartAsync("pacs", Ct);
                whole.Xnat.FailureRate = 0.5;
                await Task.Delay(TimeSpan.FromSeconds(3), Ct);
            }
        }
        finally
        {
            whole.Xnat.FailureRate = 0;
            whole.Xnat.Latency = TimeSpan.Zero;
            if (!whole.IsRunning("pacs"))
            {
                await whole.StartAsync("pacs", Ct);
            }
        }

        var calm = Stopwatch.StartNew();
        string counts = "";
        Assert.True(await WaitUntilAsync(async () =>
        {
            using var response = await whole.Import.GetAsync($"/retrieval/import_status_count/{project}?encoded_query={query}", Ct);
            counts = await response.Content.ReadAsStringAsync(Ct);
            var status = JsonDocument.Parse(counts).RootElement.GetProperty("import_status");
            return status.GetProperty("queued_count").GetInt32() == 0 && status.GetProperty("processing_count").GetInt32() == 0;
        }, TimeSpan.FromMinutes(3)), $"every study settled: {counts}");

        Assert.Equal($$$"""{"project_creation_completed":true,"import_status":{"successful_count":{{{studies}}},"failed_count":0,"processing_count":0,"queued_count":0,"queue_failed_count":0}}""", counts);
        var experiments = whole.Xnat.Experiments.Where(e => e.Project == project).ToList();
        Assert.Equal(accessions, experiments.Select(e => e.Label).Order());
        new FaultFigures("xnat-and-pacs-flapping", studies, studies, experiments.Count, studies - experiments.Select(e => e.Label).Distinct().Count(),
            experiments.Count - experiments.Select(e => e.Label).Distinct().Count(), Math.Round(calm.Elapsed.TotalSeconds, 1),
            $"{flapping.Elapsed.TotalSeconds:F0} s of flapping (XNAT failing 100% / 0% / 50%, the PACS stopped twice); recovery = flapping over to every study settled").Write();
    }

    [Fact]
    public async Task On_a_full_disk_uploads_are_refused_with_507_leaving_no_partial_file_or_row_and_work_resumes_once_space_is_freed()
    {
        Assert.SkipWhen(whole.NoSmallStorage is not null, whole.NoSmallStorage ?? "");
        using var admin = await whole.LoginAsync(Ct);
        var kspace = ReconstructionEndToEndTests.KSpaceFile("4,128,128", "complex64");
        var (record, task) = await ReconstructionEndToEndTests.CreateRecordAsync(admin);
        var filler = Path.Combine(whole.StorageRoot, "fault-suite-filler.bin");
        // Everything but 64 KiB: the upload (512 KiB of k-space) cannot fit.
        await FillAsync(filler, new DriveInfo(whole.StorageRoot).AvailableFreeSpace - (64 << 10));
        var before = FilesUnder(whole.StorageRoot);
        var made = 0;
        var refused = 0;
        try
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                made++;
                using var form = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(kspace, Ct)), "file", "kspace.npy" } };
                using var response = await admin.PostAsync($"/api/v1/workflow/upload/{record}/", form, Ct);
                var body = await response.Content.ReadAsStringAsync(Ct);
                Assert.True(response.StatusCode == HttpStatusCode.InsufficientStorage, $"{(int)response.StatusCode}: {body}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.Equal("Storage full", JsonDocument.Parse(body).RootElement.GetProperty("title").GetString());
                refused++;
            }

            Assert.Equal(before, FilesUnder(whole.StorageRoot));
            var state = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/workflow/record/{record}", Ct);
            Assert.NotEqual("QUEUED", state.GetProperty("status").GetString());
            Assert.Empty((await admin.GetFromJsonAsync<JsonElement>($"/api/v1/exam/result/all/{task}", Ct)).EnumerateArray());
        }
        finally
        {
            File.Delete(filler);
        }

        var freed = Stopwatch.StartNew();
        await UploadRawDataAsync(admin, record, kspace);
        Assert.True(await WaitUntilAsync(async () => (await StatusesAsync(admin, [(record, task)])).Single() == "FINISHED", TimeSpan.FromSeconds(90)));
        var result = Assert.Single((await admin.GetFromJsonAsync<JsonElement>($"/api/v1/exam/result/all/{task}", Ct)).EnumerateArray());
        Assert.Equal([$"record-{record}.dcm"], result.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        new FaultFigures("disk-full", made + 1, 1, 1, 0, 0, Math.Round(freed.Elapsed.TotalSeconds, 1),
            $"{refused} uploads refused with 507 on a full {FaultSuiteApplication.StorageBytes >> 20} MiB storage root, no file or row left; recovery = space freed to the record FINISHED").Write();
    }

    private static async Task FillAsync(string path, long bytes)
    {
        var chunk = new byte[1 << 20];
        Random.Shared.NextBytes(chunk);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        for (var left = bytes; left > 0; left -= chunk.Length)
        {
            await file.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, left)), Ct);
        }
    }

    private static List<string> FilesUnder(string root) =>
        [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("fault-suite-filler.bin", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    private async Task<JsonElement> HealthAsync(string service)
    {
        using var client = whole.App.CreateHttpClient(service);
        using var response = await client.GetAsync("/health", Ct);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    private static async Task UploadRawDataAsync(HttpClient client, int record, string path)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(path, Ct)), "file", "kspace.npy" } };
        using var response = await client.PostAsync($"/api/v1/workflow/upload/{record}/", form, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"upload of record {record}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
    }

    /// <summary>The records' statuses; those FINISHED are added to <paramref name="finished"/>, so a poll can skip them next time.</summary>
    private static async Task<List<string>> StatusesAsync(HttpClient client, IEnumerable<(int Record, Guid Task)> records, HashSet<int>? finished = null)
    {
        List<string> statuses = [];
        foreach (var (record, _) in records)
        {
            var state = await client.GetFromJsonAsync<JsonElement>($"/api/v1/workflow/record/{record}", Ct);
            statuses.Add(state.GetProperty("status").GetString()!);
            if (statuses[^1] == "FINISHED")
            {
                finished?.Add(record);
            }
        }

        return statuses;
    }

    /// <summary>An MR series of 64×64 slices sent by STOW-RS; its Series Instance UID.</summary>
    private static async Task<string> StoreMRSeriesAsync(HttpClient client, int slices)
    {
        var study = new PatientStudy("P-FAULT", "Fault^Suite", DicomUid.Generate(), DateTimeOffset.UnixEpoch, "ACC-FAULT");
        var series = new ImageSeries(DicomUid.Generate(), 1, "MR");
        var content = new MultipartContent("related", $"fault-{Guid.NewGuid():N}");
        content.Headers.ContentType!.Parameters.Add(new NameValueHeaderValue("type", "\"application/dicom\""));
        for (var slice = 1; slice <= slices; slice++)
        {
            var pixels = Enumerable.Range(0, 64 * 64).Select(i => (ushort)(100 + (i * slice) % 900)).ToArray();
            var dataset = DicomImages.MRImage(study, series, slice, ImagePlane.Axial(1, 1, slice, 64, 64), ImagePixels.Gray16(pixels, 64, 64), 1, 0, DateTimeOffset.UnixEpoch);
            using var buffer = new MemoryStream();
            DicomFile.Create(dataset).Save(buffer);
            content.Add(new ByteArrayContent(buffer.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue("application/dicom") } });
        }

        using var stored = await client.PostAsync("/dicom-web/studies", content, Ct);
        Assert.True(stored.StatusCode == HttpStatusCode.OK, $"STOW-RS: {(int)stored.StatusCode} {await stored.Content.ReadAsStringAsync(Ct)}");
        return series.SeriesInstanceUid;
    }

    /// <summary>Polls /results until the analysis is done (200) or found unsupported (400); 202 on the way.</summary>
    private static async Task<JsonElement> WaitForSeriesResultsAsync(HttpClient vendor, string series, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var response = await vendor.GetAsync($"/results/{series}", Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return JsonDocument.Parse(body).RootElement.Clone();
            }

            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"/results/{series} answered {(int)response.StatusCode}: {body}");
            Assert.True(deadline.Elapsed < timeout, $"series {series} still processing after {timeout.TotalSeconds:F0} s");
            await Task.Delay(200, Ct);
        }
    }

    private static async Task<bool> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, int pollMilliseconds = 250)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(pollMilliseconds, Ct);
        }

        return false;
    }
}

/// <summary>
/// The fault suite runs alone, after the other collections: it stops and kills parts of an application on purpose and
/// measures how fast it recovers, which two other application hosts starting beside it on two cores would distort.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultSuiteCollection
{
    public const string Name = "fault suite";
}
