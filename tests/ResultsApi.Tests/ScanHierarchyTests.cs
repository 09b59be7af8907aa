namespace ResultsApi.Tests;

public sealed class ScanHierarchyTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_exam_template_becomes_a_new_exam_with_copies_of_its_workflows_and_tasks()
    {
        var client = await api.LoginAsync();
        var template = await PostIdAsync(client, "/api/v1/exam/new", new { name = "Knee protocol", is_template = true });
        var workflow = await PostIdAsync(client, "/api/v1/exam/workflow/new", new { exam_id = template, name = "Acquire and reconstruct", is_template = true });
        await PostIdAsync(client, "/api/v1/exam/task/new", new { workflow_id = workflow, name = "Recon", task_type = "RECONSTRUCTION", is_template = true });

        using var created = await client.PostAsync($"/api/v1/exam/new_from_template?template_id={template}&patient_id=P-9", null, Ct);
        var exam = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.False(exam.GetProperty("is_template").GetBoolean());
        Assert.Equal("P-9", exam.GetProperty("patient_id").GetString());
        var workflows = await client.GetFromJsonAsync<JsonElement[]>($"/api/v1/exam/workflow/all/{exam.GetProperty("id").GetGuid()}", Ct);
        var copy = Assert.Single(workflows!);
        Assert.NotEqual(workflow, copy.GetProperty("id").GetGuid());
        var tasks = await client.GetFromJsonAsync<JsonElement[]>($"/api/v1/exam/task/all/{copy.GetProperty("id").GetGuid()}", Ct);
        Assert.Equal("RECONSTRUCTION", Assert.Single(tasks!).GetProperty("task_type").GetString());
        Assert.Contains(template.ToString(), await client.GetStringAsync("/api/v1/exam/templates/all", Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_an_exam_takes_its_workflows_tasks_and_results_with_it()
    {
        var client = await api.LoginAsync();
        var (exam, workflow, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
        var result = await TaskResultsTests.CreateAsync(client, task);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/exam/{exam}", Ct)).StatusCode);

        foreach (var path in new[] { $"/api/v1/exam/{exam}", $"/api/v1/exam/workflow/{workflow}", $"/api/v1/exam/task/{task}", $"/api/v1/exam/result/{result}" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path, Ct)).StatusCode);
        }
    }

    [Fact]
    public async Task Exams_are_listed_newest_first_in_pages_and_paging_is_validated()
    {
        var client = await api.LoginAsync();
        for (var i = 0; i < 3; i++)
        {
            api.Clock.Advance(TimeSpan.FromSeconds(1));
            await PostIdAsync(client, "/api/v1/exam/new", new { name = $"paged-{i}", patient_id = "PAGED" });
        }

        var page = await client.GetFromJsonAsync<JsonElement>("/api/v1/exam/all?patient_id=PAGED&limit=2&offset=0", Ct);
        Assert.Equal(3, page.GetProperty("total").GetInt32());
        Assert.Equal(["paged-2", "paged-1"], page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("name").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/exam/all?limit=0", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/exam/all?limit=501", Ct)).StatusCode);
    }

    [Fact]
    public async Task Updating_changes_the_fields_and_records_when()
    {
        var client = await api.LoginAsync();
        var (exam, _, task) = await ResultsApiFactory.CreateHierarchyAsync(client);
        api.Clock.Advance(TimeSpan.FromMinutes(5));

        using var response = await client.PutAsJsonAsync($"/api/v1/exam/task/{task}", new { workflow_id = Guid.Empty, name = "Recon v2", status = "INPROGRESS" }, Ct);
        var updated = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal("Recon v2", updated.GetProperty("name").GetString());
        Assert.Equal("INPROGRESS", updated.GetProperty("status").GetString());
        Assert.Equal(api.Clock.GetUtcNow(), updated.GetProperty("datetime_updated").GetDateTimeOffset());
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/api/v1/exam/{exam}", new { name = "Renamed" }, Ct)).StatusCode);
    }

    [Fact]
    public async Task The_OpenAPI_document_and_the_reference_page_are_served()
    {
        var client = api.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);
        var page = await client.GetStringAsync("/scalar/v1", Ct);

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/v1/exam/result", paths);
        Assert.Contains("/api/v1/exam/result/{result_id}", paths);
        Assert.Contains("/api/v1/exam/result/all/{task_id}", paths);
        Assert.Contains("/api/v1/exam/dcm/{workflow_id}/{task_id}/{result_id}/{filename}", paths);
        Assert.Contains("/api/v1/userlogin/login", paths);
        Assert.Contains("<script", page, StringComparison.Ordinal);
        Assert.DoesNotContain("fonts.googleapis", page, StringComparison.Ordinal);
    }

    private static async Task<Guid> PostIdAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }
}
