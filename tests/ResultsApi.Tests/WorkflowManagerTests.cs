namespace ResultsApi.Tests;

/// <summary>
/// /api/v1/workflow: definitions; records whose upload is checked, stored and queued through the outbox in one
/// transaction; the worker's calls (service role only); the result as download and streamed image.
/// </summary>
public sealed class WorkflowManagerTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Workflow_definitions_are_created_read_listed_updated_and_deleted()
    {
        var client = await api.LoginAsync();
        using var created = await client.PostAsJsonAsync("/api/v1/workflow/",
            new { name = "Cartesian reco", description = "2-D", version = "1.0", author = "lab", definition = new { steps = new[] { "ifft", "rss" } } }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = body.GetProperty("id").GetInt32();
        Assert.Equal($"/api/v1/workflow/{id}", created.Headers.Location?.ToString());
        Assert.Equal("rss", body.GetProperty("definition").GetProperty("steps")[1].GetString());

        var meta = await client.GetFromJsonAsync<JsonElement>("/api/v1/workflow/meta/", Ct);
        var item = meta.EnumerateArray().Single(m => m.GetProperty("id").GetInt32() == id);
        Assert.Equal("1.0", item.GetProperty("version").GetString());
        Assert.False(item.TryGetProperty("definition", out _));

        using var updated = await client.PutAsJsonAsync($"/api/v1/workflow/{id}/", new { name = "Cartesian reco", version = "1.1", definition = new { steps = new[] { "ifft" } } }, Ct);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var read = await client.GetFromJsonAsync<JsonElement>($"/api/v1/workflow/{id}", Ct);
        Assert.Equal("1.1", read.GetProperty("version").GetString());
        Assert.Equal(1, read.GetProperty("definition").GetProperty("steps").GetArrayLength());
        Assert.Contains((await client.GetFromJsonAsync<JsonElement>("/api/v1/workflow/", Ct)).EnumerateArray(), w => w.GetProperty("id").GetInt32() == id);

        using var deleted = await client.DeleteAsync($"/api/v1/workflow/{id}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await client.GetAsync($"/api/v1/workflow/{id}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task Bad_ids_and_bad_definitions_are_refused_and_other_sources_see_nothing()
    {
        var client = await api.LoginAsync();
        using var malformed = await client.GetAsync("/api/v1/workflow/not-a-number", Ct);
        using var noName = await client.PostAsJsonAsync("/api/v1/workflow/", new { name = "", version = "1" }, Ct);
        using var created = await client.PostAsJsonAsync("/api/v1/workflow/", new { name = "mine", version = "1" }, Ct);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetInt32();

        var other = await api.LoginAsync("other", "other-password");
        using var foreign = await other.GetAsync($"/api/v1/workflow/{id}", Ct);
        using var foreignDelete = await other.DeleteAsync($"/api/v1/workflow/{id}", Ct);
        var otherList = await other.GetFromJsonAsync<JsonElement>("/api/v1/workflow/", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, noName.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreignDelete.StatusCode);
        Assert.DoesNotContain(otherList.EnumerateArray(), w => w.GetProperty("id").GetInt32() == id);
    }

    [Fact]
    public async Task An_upload_stores_the_raw_data_and_queues_a_RecoJob_in_the_same_transaction()
    {
        var client = await api.LoginAsync();
        var (record, task) = await CreateRecordAsync(client);

        using var response = await UploadAsync(client, record, Npy("<c8", "4, 32, 32", 4 * 32 * 32 * 8), "kspace.npy");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"message\":\"Successfully uploaded kspace.npy\"}", await response.Content.ReadAsStringAsync(Ct));
        var state = await client.GetFromJsonAsync<JsonElement>($"/api/v1/workflow/record/{record}", Ct);
        Assert.Equal("QUEUED", state.GetProperty("status").GetString());
        Assert.Equal("4,32,32", state.GetProperty("shape").GetString());
        Assert.Equal("complex64", state.GetProperty("dtype").GetString());
        Assert.Equal(1, state.GetProperty("generation").GetInt32());
        Assert.True(File.Exists(Path.Combine(api.StorageRoot, "records", record.ToString(System.Globalization.CultureInfo.InvariantCulture), "kspace.npy")));
        var results = await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/result/all/{task}", Ct);
        Assert.Equal("DICOM", results.EnumerateArray().Single().GetProperty("type").GetString());

        // The dispatcher publishes it to the real broker and marks it sent.
        OutboxMessage? message = null;
        for (var i = 0; i < 100 && message?.SentAt is null; i++)
        {
            await Task.Delay(100, Ct);
            await using var scope = api.Services.CreateAsyncScope();
            message = await OutboxMessageForAsync(scope, record);
        }

        Assert.NotNull(message);
        Assert.Equal("Imaging.Contracts.RecoJob", message.MessageType);
        Assert.Equal(record, JsonDocument.Parse(message.Body).RootElement.GetProperty("record_id").GetInt32());
        Assert.Equal($"records/{record}/kspace.npy", JsonDocument.Parse(message.Body).RootElement.GetProperty("input").GetString());
        Assert.True(message.SentAt is not null, $"not sent after {message.Attempts} attempt(s): {message.LastError}");
    }

    [Fact]
    public async Task A_workflow_the_database_will_not_keep_answers_the_seeds_404_and_nothing_is_created()
    {
        var client = await api.LoginAsync();
        var before = (await client.GetFromJsonAsync<JsonElement>("/api/v1/workflow/", Ct)).GetArrayLength();

        // Valid JSON, but PostgreSQL's jsonb refuses the NUL character.
        using var refused = await client.PostAsync("/api/v1/workflow/",
            new StringContent("{\"name\": \"nul\", \"version\": \"1\", \"definition\": {\"step\": \"a\\u0000b\"}}", Encoding.UTF8, "application/json"), Ct);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Equal("Creation unsuccessful", problem.GetProperty("title").GetString());
        Assert.Equal(before, (await client.GetFromJsonAsync<JsonElement>("/api/v1/workflow/", Ct)).GetArrayLength());
    }

    [Fact]
    public async Task The_RecoJob_on_the_broker_is_the_seeds_plain_JSON_as_a_plain_AMQP_client_reads_it()
    {
        // A consumer written for the seed, with RabbitMQ's own client: its queue on the exchange the RecoJob is published to.
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(api.ConnectionStrings["ConnectionStrings__messaging"]) };
        await using var connection = await factory.CreateConnectionAsync(Ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: Ct);
        await channel.ExchangeDeclareAsync("Imaging.Contracts:RecoJob", "fanout", durable: true, autoDelete: false, cancellationToken: Ct);
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, cancellationToken: Ct)).QueueName;
        await channel.QueueBindAsync(queue, "Imaging.Contracts:RecoJob", "", cancellationToken: Ct);
        var client = await api.LoginAsync();
        var (record, _) = await CreateRecordAsync(client);

        using (var upload = await UploadAsync(client, record, Npy("<c8", "2, 8, 8", 2 * 8 * 8 * 8), "kspace.npy"))
        {
            Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        }

        // Other test classes publish on the same broker: take this record's job among whatever arrives.
        var expected = $"{{\"record_id\":{record},\"input\":\"records/{record}/kspace.npy\"}}";
        string? body = null;
        RabbitMQ.Client.IReadOnlyBasicProperties? properties = null;
        for (var i = 0; i < 100 && body != expected; i++)
        {
            if (await channel.BasicGetAsync(queue, autoAck: true, Ct) is { } message)
            {
                (body, properties) = (Encoding.UTF8.GetString(message.Body.Span), message.BasicProperties);
            }
            else
            {
                await Task.Delay(100, Ct);
            }
        }

        Assert.Equal(expected, body);
        Assert.Equal("application/json", properties!.ContentType);
        Assert.False(string.IsNullOrEmpty(properties.MessageId), "the message id goes in the AMQP properties");
    }

    public static TheoryData<string, byte[], HttpStatusCode, string> BadUploads() => new()
    {
        { "k.npy", Encoding.ASCII.GetBytes("just some text, not numpy"), HttpStatusCode.UnprocessableEntity, "magic" },
        { "k.npy", Npy("<f8", "32, 32", 32 * 32 * 8), HttpStatusCode.UnprocessableEntity, "not complex k-space" },
        { "k.npy", Npy("<c8", "64, 64", 32 * 32 * 8), HttpStatusCode.UnprocessableEntity, "promises 32768 bytes" },
        { "k.npy", Npy("<c8", "0, 32", 0), HttpStatusCode.UnprocessableEntity, "empty" },
        { "k.npy", Npy("<c8", "16, 1024, 1024", 0), HttpStatusCode.UnprocessableEntity, "promises" },
        { "k.npy", new byte[(4 << 20) + 1], HttpStatusCode.RequestEntityTooLarge, "larger than" },
        { "../k.npy", Npy("<c8", "32, 32", 32 * 32 * 8), HttpStatusCode.BadRequest, "file name" },
        { ".hidden.npy", Npy("<c8", "32, 32", 32 * 32 * 8), HttpStatusCode.BadRequest, "file name" },
    };

    [Theory]
    [MemberData(nameof(BadUploads))]
    public async Task Bad_raw_data_is_refused_at_upload_and_changes_nothing(string name, byte[] content, HttpStatusCode status, string reason)
    {
        var client = await api.LoginAsync();
        var (record, _) = await CreateRecordAsync(client);

        using var response = await UploadAsync(client, record, content, name);

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(Ct), StringComparison.OrdinalIgnoreCase);
        var state = await client.GetFromJsonAsync<JsonElement>($"/api/v1/workflow/record/{record}", Ct);
        Assert.Equal("NEW", state.GetProperty("status").GetString());
        var folder = Path.Combine(api.StorageRoot, "records", record.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(!Directory.Exists(folder) || Directory.GetFiles(folder).Length == 0, "nothing is left on disk");
        await using var scope = api.Services.CreateAsyncScope();
        Assert.Null(await OutboxMessageForAsync(scope, record));
    }

    [Fact]
    public async Task Records_are_refused_for_unknown_template_and_foreign_tasks_and_foreign_records_stay_hidden()
    {
        var client = await api.LoginAsync();
        var (_, _, template) = await ResultsApiFactory.CreateHierarchyAsync(client, templateTask: true);
        var (record, task) = await CreateRecordAsync(client);
        var other = await api.LoginAsync("other", "other-password");

        using var unknown = await client.PostAsJsonAsync("/api/v1/workflow/record", new { task_id = Guid.NewGuid() }, Ct);
        using var onTemplate = await client.PostAsJsonAsync("/api/v1/workflow/record", new { task_id = template }, Ct);
        using var onForeignTask = await other.PostAsJsonAsync("/api/v1/workflow/record", new { task_id = task }, Ct);
        using var foreignRecord = await other.GetAsync($"/api/v1/workflow/record/{record}", Ct);
        using var foreignUpload = await UploadAsync(other, record, Npy("<c8", "32, 32", 32 * 32 * 8), "k.npy");
        using var missing = await client.GetAsync("/api/v1/workflow/record/999999", Ct);
        using var noResultYet = await client.GetAsync($"/api/v1/workflow/download/{record}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, onTemplate.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, onForeignTask.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreignRecord.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreignUpload.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noResultYet.StatusCode);
    }

    [Fact]
    public async Task The_worker_takes_the_job_stores_the_series_and_finishes_it_once()
    {
        var client = await api.LoginAsync();
        var worker = await api.LoginAsync("workflow-worker", ResultsApiFactory.WorkerPassword);
        var (record, task) = await CreateRecordAsync(client);
        (await UploadAsync(client, record, Npy("<c8", "32, 32", 32 * 32 * 8, fill: 1), "k.npy")).Dispose();

        using var notAWorker = await client.PostAsJsonAsync($"/api/v1/workflow/record/{record}/started", new { input = $"records/{record}/k.npy" }, Ct);
        using var stale = await worker.PostAsJsonAsync($"/api/v1/workflow/record/{record}/started", new { input = $"records/{record}/old.npy" }, Ct);
        using var started = await worker.PostAsJsonAsync($"/api/v1/workflow/record/{record}/started", new { input = $"records/{record}/k.npy" }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, notAWorker.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        var context = await started.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(task, context.GetProperty("task_id").GetGuid());
        Assert.Equal("INPROGRESS", (await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/task/{task}", Ct)).GetProperty("status").GetString());
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(api.StorageRoot, "records", $"{record}", "k.npy"), Ct),
            await worker.GetByteArrayAsync($"/api/v1/workflow/record/{record}/raw", Ct));

        var dicom = Encoding.ASCII.GetBytes(new string('\0', 128) + "DICM");
        var resultId = context.GetProperty("result_id").GetGuid();
        (await worker.PutAsync($"/api/v1/exam/result/{resultId}/files/record-{record}.dcm", new ByteArrayContent(dicom), Ct)).Dispose();
        using var finished = await worker.PostAsJsonAsync($"/api/v1/workflow/record/{record}/finished",
            new { generation = 1, files = new[] { $"record-{record}.dcm" } }, Ct);
        using var again = await worker.PostAsJsonAsync($"/api/v1/workflow/record/{record}/started", new { input = $"records/{record}/k.npy" }, Ct);

        Assert.Equal(HttpStatusCode.OK, finished.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var taskState = await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/task/{task}", Ct);
        Assert.Equal("FINISHED", taskState.GetProperty("status").GetString());
        using var download = await client.GetAsync($"/api/v1/workflow/download/{record}", Ct);
        Assert.Equal("application/dicom", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"record-{record}.dcm", download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal(dicom, await download.Content.ReadAsByteArrayAsync(Ct));
        using var range = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/workflow/image/{record}") { Headers = { Range = new RangeHeaderValue(128, 131) } };
        using var image = await client.SendAsync(range, Ct);
        Assert.Equal(HttpStatusCode.PartialContent, image.StatusCode);
        Assert.Equal("DICM", Encoding.ASCII.GetString(await image.Content.ReadAsByteArrayAsync(Ct)));
        using var noSecond = await client.GetAsync($"/api/v1/workflow/image/{record}?instance=2", Ct);
        Assert.Equal(HttpStatusCode.NotFound, noSecond.StatusCode);
    }

    [Fact]
    public async Task A_failed_job_puts_the_task_in_ERROR_with_the_reason_and_a_stale_report_changes_nothing()
    {
        var client = await api.LoginAsync();
        var worker = await api.LoginAsync("workflow-worker", ResultsApiFactory.WorkerPassword);
        var (record, task) = await CreateRecordAsync(client);
        (await UploadAsync(client, record, Npy("<c8", "32, 32", 32 * 32 * 8, fill: 1), "k.npy")).Dispose();

        using var stale = await worker.PostAsJsonAsync($"/api/v1/workflow/record/{record}/failed", new { generation = 7, reason = "old" }, Ct);
        using var failed = await worker.PostAsJsonAsync($"/api/v1/workflow/record/{record}/failed", new { generation = 1, reason = "The k-space is all zeros." }, Ct);

        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        var taskState = await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/task/{task}", Ct);
        Assert.Equal("ERROR", taskState.GetProperty("status").GetString());
        Assert.Equal("The k-space is all zeros.", taskState.GetProperty("status_message").GetString());
        var recordState = await client.GetFromJsonAsync<JsonElement>($"/api/v1/workflow/record/{record}", Ct);
        Assert.Equal("ERROR", recordState.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Progress_reports_move_the_task_while_it_is_in_progress_and_nothing_else_moves_it()
    {
        var client = await api.LoginAsync();
        var worker = await api.LoginAsync("workflow-worker", ResultsApiFactory.WorkerPassword);
        var (record, task) = await CreateRecordAsync(client);
        (await UploadAsync(client, record, Npy("<c8", "32, 32", 32 * 32 * 8, fill: 1), "k.npy")).Dispose();
        string Progress() => $"/api/v1/workflow/record/{record}/progress";

        // Not started yet: nothing to report progress of.
        using (var early = await worker.PostAsJsonAsync(Progress(), new { generation = 1, percent = 10, stage = "k-space read" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        }

        (await worker.PostAsJsonAsync($"/api/v1/workflow/record/{record}/started", new { input = $"records/{record}/k.npy" }, Ct)).Dispose();
        using (var reported = await worker.PostAsJsonAsync(Progress(), new { generation = 1, percent = 45, stage = " reconstructed slice 2 of 4 " }, Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, reported.StatusCode);
        }

        var during = await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/task/{task}", Ct);
        Assert.Equal("INPROGRESS", during.GetProperty("status").GetString());
        Assert.Equal(45, during.GetProperty("progress").GetInt32());
        Assert.Equal($"Reconstructing record {record}: reconstructed slice 2 of 4", during.GetProperty("status_message").GetString());

        // Refused, each with a problem that says why, and the task stays as it was.
        (object Body, HttpStatusCode Status, string Title)[] refused =
        [
            (new { generation = 1, percent = 100, stage = "done" }, HttpStatusCode.BadRequest, "Invalid progress"),
            (new { generation = 1, percent = -1, stage = "x" }, HttpStatusCode.BadRequest, "Invalid progress"),
            (new { generation = 1, percent = 50, stage = "  " }, HttpStatusCode.BadRequest, "Invalid stage"),
            (new { generation = 1, percent = 50, stage = new string('s', 201) }, HttpStatusCode.BadRequest, "Invalid stage"),
            (new { generation = 2, percent = 50, stage = "another upload's job" }, HttpStatusCode.Conflict, "Not in progress"),
        ];
        foreach (var (body, status, title) in refused)
        {
            using var response = await worker.PostAsJsonAsync(Progress(), body, Ct);
            Assert.Equal(status, response.StatusCode);
            Assert.Equal(title, (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("title").GetString());
        }

        using (var notAWorker = await client.PostAsJsonAsync(Progress(), new { generation = 1, percent = 50, stage = "x" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, notAWorker.StatusCode);
        }

        Assert.Equal(during.GetRawText(), (await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/task/{task}", Ct)).GetRawText());

        // Once the job has its outcome, a late report changes nothing.
        (await worker.PostAsJsonAsync($"/api/v1/workflow/record/{record}/failed", new { generation = 1, reason = "The k-space is all zeros." }, Ct)).Dispose();
        using (var late = await worker.PostAsJsonAsync(Progress(), new { generation = 1, percent = 90, stage = "stored image 1 of 1" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        }

        var after = await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/task/{task}", Ct);
        Assert.Equal("ERROR", after.GetProperty("status").GetString());
        Assert.Equal("The k-space is all zeros.", after.GetProperty("status_message").GetString());
    }

    private static async Task<OutboxMessage?> OutboxMessageForAsync(AsyncServiceScope scope, int record)
    {
        var all = await scope.ServiceProvider.GetRequiredService<ResultsDbContext>().Outbox.AsNoTracking().ToListAsync(Ct);
        return all.SingleOrDefault(m => JsonDocument.Parse(m.Body).RootElement.GetProperty("record_id").GetInt32() == record);
    }

    private static async Task<(int Record, Guid Task)> CreateRecordAsync(HttpClient client)
    {
        var (_, _, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
        using var response = await client.PostAsJsonAsync("/api/v1/workflow/record", new { task_id = task }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return ((await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetInt32(), task);
    }

    private static Task<HttpResponseMessage> UploadAsync(HttpClient client, int record, byte[] content, string name)
    {
        var form = new MultipartFormDataContent { { new ByteArrayContent(content), "file", name } };
        return client.PostAsync($"/api/v1/workflow/upload/{record}", form, Ct);
    }

    /// <summary>A .npy file as numpy writes it (version 1.0, header padded to 64 bytes) with <paramref name="dataBytes"/> bytes of data.</summary>
    internal static byte[] Npy(string descr, string shape, int dataBytes, byte fill = 0)
    {
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({shape}), }}";
        header = header.PadRight(((10 + header.Length + 1 + 63) / 64 * 64) - 11) + "\n";
        var data = new byte[dataBytes];
        Array.Fill(data, fill);
        return [0x93, .. "NUMPY"u8, 1, 0, .. BitConverter.GetBytes((ushort)header.Length), .. Encoding.Latin1.GetBytes(header), .. data];
    }
}
