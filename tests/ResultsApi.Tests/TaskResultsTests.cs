namespace ResultsApi.Tests;

/// <summary>The seed's result operations: create blank, get, list per task, delete, set; with the source platform's codes.</summary>
public sealed class TaskResultsTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_blank_result_is_created_for_a_task_and_read_back_in_the_source_platforms_shape()
    {
        var client = await api.LoginAsync();
        var (_, workflow, task) = await ResultsApiFactory.CreateHierarchyAsync(client);

        using var created = await client.PostAsync($"/api/v1/exam/result?task_id={task}", null, Ct);
        var body = await created.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var result = JsonDocument.Parse(body).RootElement;
        Assert.Equal(["type", "directory", "files", "meta", "task_id", "id", "datetime_created"], result.EnumerateObject().Select(p => p.Name));
        var id = result.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/exam/result/{id}", created.Headers.Location?.ToString());
        Assert.Equal("NOT_SET", result.GetProperty("type").GetString());
        Assert.Equal($"{workflow}/{task}/{id}", result.GetProperty("directory").GetString());
        Assert.Equal(0, result.GetProperty("files").GetArrayLength());
        Assert.Equal(JsonValueKind.Object, result.GetProperty("meta").ValueKind);
        Assert.Equal(task, result.GetProperty("task_id").GetGuid());
        Assert.Equal(api.Clock.GetUtcNow(), result.GetProperty("datetime_created").GetDateTimeOffset());

        Assert.Equal(body, await client.GetStringAsync($"/api/v1/exam/result/{id}", Ct));
    }

    [Fact]
    public async Task Set_overwrites_every_field_and_list_returns_a_tasks_results_in_order()
    {
        var client = await api.LoginAsync();
        var (_, _, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
        var first = await CreateAsync(client, task);
        api.Clock.Advance(TimeSpan.FromSeconds(1));
        var second = await CreateAsync(client, task);

        using var set = await client.PutAsJsonAsync($"/api/v1/exam/result/{first}",
            new { type = "NUMPY", directory = "custom/dir", files = new[] { "kspace.npy" }, meta = new { shape = new[] { 8, 256, 256 } } }, Ct);
        var updated = await set.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal("NUMPY", updated.GetProperty("type").GetString());
        Assert.Equal("custom/dir", updated.GetProperty("directory").GetString());
        Assert.Equal(["kspace.npy"], updated.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(256, updated.GetProperty("meta").GetProperty("shape")[2].GetInt32());
        var all = await client.GetFromJsonAsync<JsonElement[]>($"/api/v1/exam/result/all/{task}", Ct);
        Assert.Equal([first, second], all!.Select(r => r.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task Set_changes_only_the_fields_the_payload_carries()
    {
        var client = await api.LoginAsync();
        var (_, _, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
        var id = await CreateAsync(client, task);
        using (var full = await client.PutAsJsonAsync($"/api/v1/exam/result/{id}",
            new { type = "DICOM", directory = "a/b", files = new[] { "image-001.dcm" }, meta = new { protocol = "t1_se" } }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        }

        using var onlyMeta = await client.PutAsync($"/api/v1/exam/result/{id}",
            new StringContent("{\"meta\": {\"protocol\": \"t2_tse\"}}", System.Text.Encoding.UTF8, "application/json"), Ct);
        var afterMeta = await onlyMeta.Content.ReadFromJsonAsync<JsonElement>(Ct);
        using var onlyType = await client.PutAsync($"/api/v1/exam/result/{id}", new StringContent("{\"type\": \"MRD\"}", System.Text.Encoding.UTF8, "application/json"), Ct);
        using var nothing = await client.PutAsync($"/api/v1/exam/result/{id}", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), Ct);
        var stored = await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/result/{id}", Ct);

        Assert.Equal(HttpStatusCode.OK, onlyMeta.StatusCode);
        Assert.Equal(("DICOM", "a/b", "t2_tse"), (afterMeta.GetProperty("type").GetString(), afterMeta.GetProperty("directory").GetString(),
            afterMeta.GetProperty("meta").GetProperty("protocol").GetString()));
        Assert.Equal(HttpStatusCode.OK, onlyType.StatusCode);
        Assert.Equal(HttpStatusCode.OK, nothing.StatusCode);
        Assert.Equal("MRD", stored.GetProperty("type").GetString());
        Assert.Equal("a/b", stored.GetProperty("directory").GetString());
        Assert.Equal(["image-001.dcm"], stored.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal("t2_tse", stored.GetProperty("meta").GetProperty("protocol").GetString());
    }

    [Fact]
    public async Task The_results_of_an_unknown_or_another_sources_task_are_an_empty_list()
    {
        var client = await api.LoginAsync();
        var (_, _, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
        await CreateAsync(client, task);
        var other = await api.LoginAsync("other", "other-password");

        using var unknown = await client.GetAsync($"/api/v1/exam/result/all/{Guid.NewGuid()}", Ct);
        using var foreign = await other.GetAsync($"/api/v1/exam/result/all/{task}", Ct);
        using var createForeign = await other.PostAsync($"/api/v1/exam/result?task_id={task}", null, Ct);

        Assert.Equal((HttpStatusCode.OK, "[]"), (unknown.StatusCode, await unknown.Content.ReadAsStringAsync(Ct)));
        Assert.Equal((HttpStatusCode.OK, "[]"), (foreign.StatusCode, await foreign.Content.ReadAsStringAsync(Ct)));
        Assert.Equal(HttpStatusCode.NotFound, createForeign.StatusCode);
        Assert.Single((await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/result/all/{task}", Ct)).EnumerateArray());
    }

    [Fact]
    public async Task Deleting_a_result_answers_204_removes_its_files_and_then_it_is_404()
    {
        var client = await api.LoginAsync();
        var (_, workflow, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
        var id = await CreateAsync(client, task);
        using (var upload = await client.PutAsync($"/api/v1/exam/result/{id}/files/a.bin", new ByteArrayContent([1, 2, 3]), Ct))
        {
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        }

        var folder = Path.Combine(api.StorageRoot, workflow.ToString(), task.ToString(), id.ToString());
        Assert.True(File.Exists(Path.Combine(folder, "a.bin")));

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/exam/result/{id}", Ct)).StatusCode);
        Assert.False(Directory.Exists(folder));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/exam/result/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/v1/exam/result/{id}", Ct)).StatusCode);
    }

    [Fact]
    public async Task Refusals_say_why()
    {
        var client = await api.LoginAsync();
        var (_, _, templateTask) = await ResultsApiFactory.CreateHierarchyAsync(client, templateTask: true);

        await AssertProblemAsync(client.PostAsync($"/api/v1/exam/result?task_id={Guid.NewGuid()}", null, Ct), 404,
            "Parent (task_id) does not exist. Check task_id, or create the task first (POST /api/v1/exam/task/new).", "Creation unsuccessful");
        await AssertProblemAsync(client.PostAsync($"/api/v1/exam/result?task_id={templateTask}", null, Ct), 400,
            "Result parent (task) must not be a template. Create the result under a task of an exam.");
        await AssertProblemAsync(client.PostAsync("/api/v1/exam/result?task_id=not-a-uuid", null, Ct), 400,
            "'not-a-uuid' is not a valid task id: use a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6, as the API answered it.");
        await AssertProblemAsync(client.GetAsync("/api/v1/exam/result/12345", Ct), 400,
            "'12345' is not a valid result id: use a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6, as the API answered it.");
        var unknown = Guid.NewGuid();
        await AssertProblemAsync(client.GetAsync($"/api/v1/exam/result/{unknown}", Ct), 404, $"There is no result {unknown}; it may have been deleted. Check the id.");
        await AssertProblemAsync(client.PutAsJsonAsync($"/api/v1/exam/result/{unknown}", new { type = "DICOM" }, Ct), 404, $"There is no result {unknown}; it may have been deleted. Check the id.");
        using var badType = await client.PutAsJsonAsync($"/api/v1/exam/result/{unknown}", new { type = "JPEG" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badType.StatusCode);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("a/b.dcm")]
    [InlineData(".hidden")]
    public async Task Set_refuses_file_names_that_could_leave_the_results_folder(string name)
    {
        var client = await api.LoginAsync();
        var (_, _, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
        var id = await CreateAsync(client, task);

        using var response = await client.PutAsJsonAsync($"/api/v1/exam/result/{id}", new { type = "DICOM", files = new[] { name } }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/result/{id}", Ct)).GetProperty("files").EnumerateArray());
    }

    [Fact]
    public async Task Uploads_keep_files_and_meta_consistent_with_the_disk_and_refuse_what_is_too_large()
    {
        var client = await api.LoginAsync();
        var (_, _, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
        var id = await CreateAsync(client, task);
        var bytes = new byte[1000];
        new Random(3).NextBytes(bytes);

        using var form = new MultipartFormDataContent { { new ByteArrayContent(bytes), "file", "image-001.dcm" } };
        using var uploaded = await client.PostAsync($"/api/v1/exam/result/{id}/files", form, Ct);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);

        var result = await client.GetFromJsonAsync<JsonElement>($"/api/v1/exam/result/{id}", Ct);
        Assert.Equal(["image-001.dcm"], result.GetProperty("files").EnumerateArray().Select(f => f.GetString()));
        var recorded = result.GetProperty("meta").GetProperty("files").GetProperty("image-001.dcm");
        Assert.Equal(1000, recorded.GetProperty("size").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), recorded.GetProperty("sha256").GetString());

        using var tooLarge = await client.PutAsync($"/api/v1/exam/result/{id}/files/big.bin", new ByteArrayContent(new byte[(4 << 20) + 1]), Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        using var bigForm = new MultipartFormDataContent { { new ByteArrayContent(new byte[(4 << 20) + 1]), "file", "big.bin" } };
        using var tooLargeForm = await client.PostAsync($"/api/v1/exam/result/{id}/files", bigForm, Ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLargeForm.StatusCode);
        Assert.DoesNotContain("big.bin", (await client.GetStringAsync($"/api/v1/exam/result/{id}", Ct)));
        Assert.Empty(Directory.GetFiles(api.StorageRoot, "*.tmp", SearchOption.AllDirectories));
    }

    internal static async Task<Guid> CreateAsync(HttpClient client, Guid task)
    {
        using var response = await client.PostAsync($"/api/v1/exam/result?task_id={task}", null, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    private static async Task AssertProblemAsync(Task<HttpResponseMessage> request, int status, string detail, string? title = null)
    {
        using var response = await request;
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
        if (title is not null)
        {
            Assert.Equal(title, problem.GetProperty("title").GetString());
        }
    }
}
