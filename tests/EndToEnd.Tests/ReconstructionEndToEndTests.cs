using System.Diagnostics;

namespace EndToEnd.Tests;

/// <summary>
/// Raw data to DICOM through the whole application: ResultsApi's upload and outbox, RabbitMQ, the worker's
/// reconstruction and its upload back; checked by pydicom against numpy. Then the faults: the broker frozen while
/// records arrive, the worker killed mid-job, raw data the worker cannot use.
/// </summary>
[Collection(WholeApplicationCollection.Name)]
public sealed class ReconstructionEndToEndTests(WholeApplication whole)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_uploaded_record_is_reconstructed_into_DICOM_that_matches_numpy()
    {
        using var client = await LoginAsync();
        var (record, task) = await CreateRecordAsync(client);
        var kspace = KSpaceFile("4,96,128", "complex64");

        await UploadAsync(client, record, kspace);
        var state = await WaitForRecordAsync(client, record, "FINISHED", TimeSpan.FromSeconds(90));

        Assert.Equal("4,96,128", state.GetProperty("shape").GetString());
        var taskState = await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/task/{task}", Ct);
        Assert.Equal("FINISHED", taskState.GetProperty("status").GetString());
        Assert.Equal(100, taskState.GetProperty("progress").GetInt32());
        // On the way the worker reported its stages, which ResultsApi logged as it moved the task (and the worker too).
        var reading = $"Record {record} of task {task}: 10% (k-space read: 1 slice(s) from 4 coil(s)";
        var storing = $"Record {record} of task {task}: 80% (";
        var lines = await whole.App.WaitForLineAsync("resultsapi", l => l.Contains(storing, StringComparison.Ordinal), Ct);

        var read = lines.FindIndex(l => l.Contains(reading, StringComparison.Ordinal));
        Assert.True(read >= 0 && lines.FindIndex(l => l.Contains(storing, StringComparison.Ordinal)) > read, "ResultsApi logged the stages in order");
        Assert.Contains(await whole.App.ConsoleLinesAsync("workflowworker", Ct), l => l.Contains($"Record {record}: 10% (k-space read", StringComparison.Ordinal));
        var dicom = Path.Combine(Path.GetDirectoryName(kspace)!, $"record-{record}.dcm");
        await File.WriteAllBytesAsync(dicom, await client.GetByteArrayAsync($"/api/v1/workflow/download/{record}", Ct), Ct);

        var facts = JsonDocument.Parse(Run("/usr/bin/python3", Oracle("compare_reco.py"), kspace, dicom)).RootElement;
        Assert.Equal("1.2.840.10008.5.1.4.1.1.4", facts.GetProperty("sop_class").GetString());
        Assert.Equal("MR", facts.GetProperty("modality").GetString());
        Assert.Equal((96, 128), (facts.GetProperty("rows").GetInt32(), facts.GetProperty("columns").GetInt32()));
        // 16-bit scaling rounds each value to within half a step of the slope: 1/131070 of the maximum.
        var difference = facts.GetProperty("max_relative_difference").GetDouble();
        Assert.True(difference <= 1.0 / 131070 + 1e-9, $"pixels differ from numpy by {difference:E2} of the maximum");
    }

    [Fact]
    public async Task A_multi_slice_record_downloads_as_one_Enhanced_MR_file_whose_frames_match_numpy()
    {
        using var client = await LoginAsync();
        var (record, _) = await CreateRecordAsync(client);
        // 3 slices of 2 coils each.
        var kspace = KSpaceFile("3,2,48,64", "complex64");

        await UploadAsync(client, record, kspace);
        await WaitForRecordAsync(client, record, "FINISHED", TimeSpan.FromSeconds(90));
        using var download = await client.GetAsync($"/api/v1/workflow/download/{record}/", Ct);
        var dicom = Path.Combine(Path.GetDirectoryName(kspace)!, $"record-{record}.dcm");
        await File.WriteAllBytesAsync(dicom, await download.Content.ReadAsByteArrayAsync(Ct), Ct);
        using var second = await client.GetAsync($"/api/v1/workflow/image/{record}/?instance=2", Ct);

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/dicom", download.Content.Headers.ContentType?.MediaType);
        var facts = JsonDocument.Parse(Run("/usr/bin/python3", Oracle("compare_enhanced.py"), kspace, dicom)).RootElement;
        Assert.Equal("1.2.840.10008.5.1.4.1.1.4.1", facts.GetProperty("sop_class").GetString());
        Assert.Equal((3, 48, 64), (facts.GetProperty("frames").GetInt32(), facts.GetProperty("rows").GetInt32(), facts.GetProperty("columns").GetInt32()));
        Assert.All(facts.GetProperty("correlations").EnumerateArray(), c => Assert.True(c.GetDouble() >= 0.99, $"correlation {c.GetDouble()}"));
        Assert.True(facts.GetProperty("max_relative_difference").GetDouble() <= 1.0 / 131070 + 1e-9);
        Assert.Equal([0.0, 1.0, 2.0], facts.GetProperty("positions").EnumerateArray().Select(p => p.GetDouble()));
        // dicom3tools recognises the IOD and finds no error in it.
        var (_, report, errors) = Imaging.TestSupport.ExternalTool.RunUnchecked("dciodvfy", dicom);
        var verified = report + errors;
        Assert.Contains("EnhancedMRImage", verified, StringComparison.Ordinal);
        Assert.DoesNotContain("Error", verified, StringComparison.Ordinal);
        // The slices one by one stay as they were.
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("1.2.840.10008.5.1.4.1.1.4", Imaging.Dicom.DicomReader.Read(new MemoryStream(await second.Content.ReadAsByteArrayAsync(Ct))).Dataset.GetString(Imaging.Dicom.DicomTag.SOPClassUID));
    }

    [Fact]
    public async Task The_trace_of_the_upload_continues_through_the_bus_into_the_workers_calls_back()
    {
        using var client = await LoginAsync();
        var (record, _) = await CreateRecordAsync(client);
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

        using (var form = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(KSpaceFile("2,16,16", "complex64"), Ct)), "file", "kspace.npy" } })
        using (var upload = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/workflow/upload/{record}/") { Content = form })
        {
            upload.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()))}-01");
            (await client.SendAsync(upload, Ct)).EnsureSuccessStatusCode();
        }

        await WaitForRecordAsync(client, record, "FINISHED", TimeSpan.FromSeconds(90));
        // The worker's own requests (started, finished) reach ResultsApi carrying the upload's trace id. The log
        // lines come through the process's output a moment after the status changes, so they are waited for.
        var finished = $"task FINISHED (trace {traceId})";
        var lines = await whole.App.WaitForLineAsync("resultsapi", l => l.Contains(finished, StringComparison.Ordinal), Ct);

        Assert.Contains(lines, l => l.Contains($"Record {record} of task", StringComparison.Ordinal) && l.Contains($"RecoJob queued (trace {traceId})", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"Record {record} of task", StringComparison.Ordinal) && l.Contains($"started (trace {traceId})", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"Record {record} of task", StringComparison.Ordinal) && l.Contains($"task FINISHED (trace {traceId})", StringComparison.Ordinal));

        // The dashboard holds it as one trace: the upload and its database calls, the publish, the worker's consume,
        // and the worker's calls back, each answered by ResultsApi as a child of the worker's client span.
        using var dashboard = whole.DashboardApi();
        IReadOnlyList<(string Service, JsonElement Span)> spans = [];
        // OTLP span kinds: 2 server, 3 client, 4 producer, 5 consumer.
        bool Has(string resource, int kind, Func<JsonElement, bool>? also = null) =>
            spans.Any(s => s.Service == resource && Dashboard.Kind(s.Span) == kind && (also is null || also(s.Span)));
        var callsBackAnswered = (JsonElement s) => spans.Any(c => c.Service == "workflowworker" && Dashboard.Kind(c.Span) == 3
            && s.TryGetProperty("parentSpanId", out var parent) && c.Span.GetProperty("spanId").GetString() == parent.GetString());
        for (var attempt = 0; attempt < 100; attempt++)
        {
            spans = [.. (await Dashboard.SpansAsync(dashboard, Ct)).Where(s => s.Span.GetProperty("traceId").GetString() == traceId)];
            if (Has("resultsapi", 4) && Has("workflowworker", 5) && Has("resultsapi", 2, callsBackAnswered))
            {
                break;
            }

            await Task.Delay(200, Ct);
        }

        Assert.True(Has("resultsapi", 2, s => s.GetProperty("name").GetString()!.Contains("upload", StringComparison.Ordinal)), "the upload's server span");
        Assert.True(Has("resultsapi", 3, s => Dashboard.Attribute(s, "db.system") == "postgresql" || Dashboard.Attribute(s, "db.system.name") == "postgresql"), "a database call");
        Assert.True(Has("resultsapi", 4), "the publish");
        Assert.True(Has("workflowworker", 5), "the worker's consume");
        Assert.True(Has("resultsapi", 2, callsBackAnswered), "the worker's call back, answered by ResultsApi");
    }

    [Fact]
    public async Task Records_uploaded_while_the_broker_is_frozen_are_all_reconstructed_once_it_is_back()
    {
        using var client = await LoginAsync();
        var kspace = KSpaceFile("2,16,16", "complex64");
        var broker = whole.Run.Pids("messaging");
        var frozen = broker.SelectMany(Descendants).Distinct().ToList();
        List<(int Record, Guid Task)> records = [];
        Signal("STOP", frozen);
        try
        {
            for (var i = 0; i < 50; i++)
            {
                var created = await CreateRecordAsync(client);
                await UploadAsync(client, created.Record, kspace);
                records.Add(created);
            }

            // Every upload was accepted; with the broker frozen no job can reach the worker (a 16×16 job takes milliseconds).
            await Task.Delay(TimeSpan.FromSeconds(2), Ct);
            foreach (var (record, _) in records)
            {
                var queued = await client.GetFromJsonAsync<JsonElement>($"/api/v1/workflow/record/{record}", Ct);
                Assert.Equal("QUEUED", queued.GetProperty("status").GetString());
            }
        }
        finally
        {
            Signal("CONT", frozen);
        }

        foreach (var (record, task) in records)
        {
            await WaitForRecordAsync(client, record, "FINISHED", TimeSpan.FromMinutes(3));
            var results = await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/result/all/{task}", Ct);
            var result = Assert.Single(results.EnumerateArray());
            Assert.Equal([$"record-{record}.dcm"], result.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        }
    }

    [Fact]
    public async Task A_worker_killed_in_the_middle_of_a_job_finishes_it_once_after_its_restart()
    {
        using var client = await LoginAsync();
        var (record, task) = await CreateRecordAsync(client);
        // Large enough that the reconstruction takes a while: 32 coils of 512×512.
        var kspace = KSpaceFile("32,512,512", "complex64");
        var before = whole.Run.Pids("workflowworker");

        await UploadAsync(client, record, kspace);
        await WaitForRecordAsync(client, record, "INPROGRESS", TimeSpan.FromSeconds(60), pollMilliseconds: 20);
        Signal("KILL", before);
        // Started again as a container platform would (Aspire restarts nothing by itself): the job was never acknowledged.
        await whole.App.ResourceNotifications.WaitForResourceAsync("workflowworker",
            e => e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state), Ct);
        await whole.App.ExecuteCommandAsync("workflowworker", KnownResourceCommands.StartCommand, Ct);

        await WaitForRecordAsync(client, record, "FINISHED", TimeSpan.FromMinutes(3));
        Assert.DoesNotContain(before.Single(), whole.Run.Pids("workflowworker"));
        var result = Assert.Single((await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/result/all/{task}", Ct)).EnumerateArray());
        Assert.Equal([$"record-{record}.dcm"], result.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task The_same_job_delivered_again_after_it_finished_leaves_the_result_as_it_was()
    {
        using var client = await LoginAsync();
        var (record, task) = await CreateRecordAsync(client);
        await UploadAsync(client, record, KSpaceFile("2,32,32", "complex64"));
        var finished = await WaitForRecordAsync(client, record, "FINISHED", TimeSpan.FromSeconds(90));
        var before = (await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/result/all/{task}", Ct)).GetRawText();

        // A duplicate of the job, as a crash between the broker's confirm and the outbox commit would publish.
        await using var database = new Npgsql.NpgsqlConnection(await whole.App.GetConnectionStringAsync("resultsdb", Ct));
        await database.OpenAsync(Ct);
        await using var duplicate = new Npgsql.NpgsqlCommand(
            "INSERT INTO outbox_messages (message_type, body, created_at, next_attempt_at, attempts) " +
            "SELECT message_type, body, now(), now(), 0 FROM outbox_messages WHERE (body->>'record_id')::int = $1 RETURNING id", database)
        {
            Parameters = { new() { Value = record } },
        };
        var id = (long)(await duplicate.ExecuteScalarAsync(Ct))!;
        await using var sent = new Npgsql.NpgsqlCommand("SELECT sent_at IS NOT NULL FROM outbox_messages WHERE id = $1", database) { Parameters = { new() { Value = id } } };
        for (var i = 0; i < 100 && !(bool)(await sent.ExecuteScalarAsync(Ct))!; i++)
        {
            await Task.Delay(100, Ct);
        }

        Assert.True((bool)(await sent.ExecuteScalarAsync(Ct))!, "the duplicate was published");
        // The worker takes it, hears from ResultsApi that the record is done for this upload, and drops it.
        var skipped = $"Record {record}: job for records/{record}/kspace.npy is stale or already done; skipped";
        Assert.Contains(await whole.App.WaitForLineAsync("workflowworker", l => l.Contains(skipped, StringComparison.Ordinal), Ct, TimeSpan.FromSeconds(20)),
            l => l.Contains(skipped, StringComparison.Ordinal));
        var after = await client.GetFromJsonAsync<JsonElement>($"/api/v1/workflow/record/{record}", Ct);
        Assert.Equal("FINISHED", after.GetProperty("status").GetString());
        Assert.Equal(finished.GetProperty("datetime_updated").GetString(), after.GetProperty("datetime_updated").GetString());
        Assert.Equal(before, (await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/result/all/{task}", Ct)).GetRawText());
    }

    [Fact]
    public async Task Raw_data_the_worker_cannot_use_puts_the_task_in_ERROR_and_the_worker_keeps_consuming()
    {
        using var client = await LoginAsync();
        var (broken, brokenTask) = await CreateRecordAsync(client);
        var (good, _) = await CreateRecordAsync(client);

        await UploadAsync(client, broken, KSpaceFile("2,16,16", "complex64", "nan"));
        await UploadAsync(client, good, KSpaceFile("2,16,16", "complex128"));

        var failed = await WaitForRecordAsync(client, broken, "ERROR", TimeSpan.FromSeconds(90));
        Assert.Contains("NaN", failed.GetProperty("status_message").GetString(), StringComparison.Ordinal);
        var taskState = await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/task/{brokenTask}", Ct);
        Assert.Equal("ERROR", taskState.GetProperty("status").GetString());
        Assert.Contains("NaN", taskState.GetProperty("status_message").GetString(), StringComparison.Ordinal);
        await WaitForRecordAsync(client, good, "FINISHED", TimeSpan.FromSeconds(90));

        // The message itself went to the error queue with MassTransit's fault headers, the reason among them.
        Assert.Contains(await ErrorQueueAsync(m => m.Reason.Contains("NaN", StringComparison.Ordinal)), m => m.Reason.Contains("NaN", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_RecoJob_published_by_a_plain_AMQP_client_in_the_seeds_JSON_is_read_by_the_worker_and_a_malformed_one_dead_lettered()
    {
        using var client = await LoginAsync();
        var (record, _) = await CreateRecordAsync(client);
        await UploadAsync(client, record, KSpaceFile("2,16,16", "complex64"));
        await WaitForRecordAsync(client, record, "FINISHED", TimeSpan.FromSeconds(90));
        var malformed = $"{{\"record_id\": \"not-a-number\", \"input\": \"{Guid.NewGuid():N}.npy\"}}";

        // A producer written for the seed's pydantic model: its JSON, no content type, no MassTransit headers, straight
        // into the worker's queue. The worker reads record_id and input, and ResultsApi tells it the record is done.
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = new Uri((await whole.App.GetConnectionStringAsync("messaging", Ct))!) };
        await using (var connection = await factory.CreateConnectionAsync(Ct))
        await using (var channel = await connection.CreateChannelAsync(cancellationToken: Ct))
        {
            foreach (var body in new[] { $"{{\"record_id\": {record}, \"input\": \"records/{record}/kspace.npy\"}}", malformed })
            {
                await channel.BasicPublishAsync("", "mri_cartesian_reco", mandatory: true, new RabbitMQ.Client.BasicProperties(), System.Text.Encoding.UTF8.GetBytes(body), Ct);
            }
        }

        var skipped = $"Record {record}: job for records/{record}/kspace.npy is stale or already done; skipped";
        Assert.Contains(await whole.App.WaitForLineAsync("workflowworker", l => l.Contains(skipped, StringComparison.Ordinal), Ct, TimeSpan.FromSeconds(20)),
            l => l.Contains(skipped, StringComparison.Ordinal));
        // The malformed one is not lost: it waits in the error queue with the reason.
        var dead = await ErrorQueueAsync(m => m.Body == malformed);
        var kept = Assert.Single(dead, m => m.Body == malformed);
        Assert.Contains("Cannot get the value of a token type 'String' as a number", kept.Reason, StringComparison.Ordinal);
    }

    /// <summary>The messages in the reconstruction's error queue with their MT-Fault-Message, looked at until one matches (or 10 s).</summary>
    private async Task<List<(string Body, string Reason)>> ErrorQueueAsync(Func<(string Body, string Reason), bool> wanted)
    {
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = new Uri((await whole.App.GetConnectionStringAsync("messaging", Ct))!) };
        await using var connection = await factory.CreateConnectionAsync(Ct);
        // A failing job reaches the error queue a moment after the worker reports, and MassTransit creates that queue only
        // with its first message: a missing queue closes the channel, so each look uses its own. Messages are not
        // acknowledged, so they stay for other tests.
        List<(string Body, string Reason)> messages = [];
        for (var attempt = 0; attempt < 100 && !messages.Any(wanted); attempt++)
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: Ct);
            try
            {
                while (await channel.BasicGetAsync("mri_cartesian_reco_error", autoAck: false, Ct) is { } message)
                {
                    messages.Add((System.Text.Encoding.UTF8.GetString(message.Body.Span),
                        System.Text.Encoding.UTF8.GetString((byte[])message.BasicProperties.Headers!["MT-Fault-Message"]!)));
                }
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                // Not there yet.
            }

            await Task.Delay(100, Ct);
        }

        return messages;
    }

    private Task<HttpClient> LoginAsync() => whole.LoginAsync(Ct);

    internal static async Task<(int Record, Guid Task)> CreateRecordAsync(HttpClient client)
    {
        var exam = await PostIdAsync(client, "/api/v1/exam/new", new { name = "Reconstruction", patient_id = "P-RECO" });
        var workflow = await PostIdAsync(client, "/api/v1/exam/workflow/new", new { exam_id = exam, name = "Reco" });
        var task = await PostIdAsync(client, "/api/v1/exam/task/new", new { workflow_id = workflow, name = "Cartesian" });
        using var response = await client.PostAsJsonAsync("/api/v1/workflow/record", new { task_id = task }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return ((await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetInt32(), Guid.Parse(task));
    }

    private static async Task<string> PostIdAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").ToString();
    }

    internal static async Task UploadAsync(HttpClient client, int record, string path)
    {
        using var form = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(path, Ct)), "file", "kspace.npy" } };
        using var response = await client.PostAsync($"/api/v1/workflow/upload/{record}/", form, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    internal static async Task<JsonElement> WaitForRecordAsync(HttpClient client, int record, string status, TimeSpan timeout, int pollMilliseconds = 200)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var state = await client.GetFromJsonAsync<JsonElement>($"/api/v1/workflow/record/{record}", Ct);
            var now = state.GetProperty("status").GetString();
            if (now == status)
            {
                return state;
            }

            if (deadline.Elapsed > timeout || now is "ERROR" or "FINISHED")
            {
                Assert.Fail($"Record {record} is {now} ({state.GetProperty("status_message")}), not {status}, after {deadline.Elapsed.TotalSeconds:F0} s.");
            }

            await Task.Delay(pollMilliseconds, Ct);
        }
    }

    internal static string KSpaceFile(string shape, string dtype, string? defect = null)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("reco-e2e-").FullName, "kspace.npy");
        Run("/usr/bin/python3", [Oracle("kspace.py"), path, shape, dtype, .. defect is null ? Array.Empty<string>() : [defect]]);
        return path;
    }

    private static string Oracle(string script) => Path.Combine(AppContext.BaseDirectory, "Oracle", script);

    private static IEnumerable<int> Descendants(int pid) => [pid, .. Imaging.TestSupport.ProcessTable.Children(pid).SelectMany(Descendants)];

    private static void Signal(string signal, IEnumerable<int> pids) => Run("kill", [$"-{signal}", .. pids.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))]);

    private static string Run(string program, params string[] arguments) => Imaging.TestSupport.ExternalTool.Run(program, arguments);
}
