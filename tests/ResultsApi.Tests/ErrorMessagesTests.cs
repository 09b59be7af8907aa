using System.Text.Json.Nodes;

namespace ResultsApi.Tests;

/// <summary>
/// One bad request of each kind a client makes (bad JSON, an unknown or malformed id, a bad UID, a missing or wrong
/// token, a body too big, the wrong content type or method, a role or source not allowed, a path nothing maps): every
/// answer is problem details with a title saying what was wrong and a detail saying what to do, or, where a seed fixes
/// the body, exactly the seed's body. On Kestrel, so the server's own body limit answers as in production.
/// </summary>
public sealed class ErrorMessagesTests(KestrelResultsApiFactory api) : IClassFixture<KestrelResultsApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_kind_of_bad_request_is_answered_with_what_was_wrong_and_what_to_do()
    {
        var admin = await api.LoginAsync();
        var other = await api.LoginAsync("other", "other-password");
        var (exam, _, _) = await ResultsApiFactory.CreateHierarchyAsync(admin);
        var anonymous = api.CreateClient();
        var badToken = api.CreateClient();
        badToken.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "no-such-token");
        var cases = new (string Kind, HttpClient Client, Func<HttpRequestMessage> Request, HttpStatusCode Status)[]
        {
            ("bad JSON", admin, () => Post("/api/v1/exam/new", "{not json", "application/json"), HttpStatusCode.BadRequest),
            ("JSON of the wrong shape", admin, () => Post("/api/v1/exam/new", """{"name": "x", "status": "NO_SUCH_STATUS"}""", "application/json"), HttpStatusCode.BadRequest),
            ("a missing field", admin, () => Post("/api/v1/exam/new", """{"name": " "}""", "application/json"), HttpStatusCode.BadRequest),
            ("a query parameter that is not a number", admin, () => new(HttpMethod.Get, "/api/v1/exam/all?limit=many"), HttpStatusCode.BadRequest),
            ("paging out of range", admin, () => new(HttpMethod.Get, "/api/v1/exam/all?limit=100000"), HttpStatusCode.BadRequest),
            ("a malformed id", admin, () => new(HttpMethod.Get, "/api/v1/exam/not-a-uuid"), HttpStatusCode.BadRequest),
            ("a malformed record id", admin, () => new(HttpMethod.Get, "/api/v1/workflow/record/-1"), HttpStatusCode.BadRequest),
            ("an unknown id", admin, () => new(HttpMethod.Get, $"/api/v1/exam/{Guid.NewGuid()}"), HttpStatusCode.NotFound),
            ("an unknown record", admin, () => new(HttpMethod.Get, "/api/v1/workflow/record/999999"), HttpStatusCode.NotFound),
            ("another source's item", other, () => new(HttpMethod.Get, $"/api/v1/exam/{exam}"), HttpStatusCode.Forbidden),
            ("a bad UID", admin, () => new(HttpMethod.Get, "/dicom-web/studies/1.2.abc/metadata"), HttpStatusCode.BadRequest),
            ("an unknown study", admin, () => new(HttpMethod.Get, "/dicom-web/studies/1.2.3/metadata"), HttpStatusCode.NotFound),
            ("a bad file name", admin, () => new(HttpMethod.Get, $"/api/v1/exam/dcm/{Guid.NewGuid()}/{Guid.NewGuid()}/{Guid.NewGuid()}/..%2Fsecret"), HttpStatusCode.BadRequest),
            ("no token", anonymous, () => new(HttpMethod.Get, "/api/v1/exam/all"), HttpStatusCode.Unauthorized),
            ("a wrong token", badToken, () => new(HttpMethod.Get, "/api/v1/exam/all"), HttpStatusCode.Unauthorized),
            ("a wrong password", anonymous, () => Login("admin", "wrong password"), HttpStatusCode.Unauthorized),
            ("a login that is not a form", anonymous, () => Post("/api/v1/userlogin/login", """{"username": "admin"}""", "application/json"), HttpStatusCode.BadRequest),
            ("a role that may not", admin, () => Post($"/api/v1/quality-sessions/{Guid.NewGuid()}/started", "{}", "application/json"), HttpStatusCode.Forbidden),
            ("a body too big", admin, () => ExpectingContinue(Post("/api/v1/exam/new", $$"""{"name": "{{new string('x', 2 << 20)}}"}""", "application/json")),
                HttpStatusCode.RequestEntityTooLarge),
            ("the wrong content type", admin, () => Post("/api/v1/exam/new", "name=x", "text/plain"), HttpStatusCode.UnsupportedMediaType),
            ("STOW-RS without multipart/related", admin, () => Post("/dicom-web/studies", "DICM", "application/dicom"), HttpStatusCode.UnsupportedMediaType),
            ("WADO-RS asked for JSON", admin, () => Accepting(new(HttpMethod.Get, "/dicom-web/studies/1.2.3"), "application/json"), HttpStatusCode.NotAcceptable),
            ("an upload that is not a form", admin, () => Post("/api/analyze/device?target=nope", "x", "text/plain"), HttpStatusCode.BadRequest),
            ("a method the path does not take", admin, () => new(HttpMethod.Patch, "/api/v1/exam/all"), HttpStatusCode.MethodNotAllowed),
            ("a path nothing maps", admin, () => new(HttpMethod.Get, "/api/v1/no-such-thing"), HttpStatusCode.NotFound),
        };
        List<string> failures = [];

        foreach (var (kind, client, request, status) in cases)
        {
            using var message = request();
            using var response = await client.SendAsync(message, Ct);
            var text = await response.Content.ReadAsStringAsync(Ct);
            var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? JsonNode.Parse(text) : null;
            var (title, detail) = (problem?["title"]?.GetValue<string>(), problem?["detail"]?.GetValue<string>());
            if (response.StatusCode != status || problem is null || string.IsNullOrWhiteSpace(title) || string.IsNullOrWhiteSpace(detail)
                || problem["status"]?.GetValue<int>() != (int)status)
            {
                failures.Add($"{kind}: {(int)response.StatusCode} {response.Content.Headers.ContentType} {text[..Math.Min(text.Length, 300)]}");
            }
            else if (title == detail || title.EndsWith('.'))
            {
                failures.Add($"{kind}: the title should name what was wrong and the detail what to do: '{title}' / '{detail}'");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Where_a_seed_fixes_the_error_body_the_answer_is_the_seeds_body()
    {
        var series = SeedDocuments.JsonBodies("series-results-api.txt");
        var noSession = SeedDocuments.JsonBodies("quality-session-results.md")[1];
        var admin = await api.LoginAsync();
        var withSource = api.CreateClient();
        withSource.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Token " + new string('0', 48));
        withSource.DefaultRequestHeaders.Add("Source", "default");

        await AssertBodyAsync(api.CreateClient(), "/results/1.2.3", HttpStatusCode.Unauthorized, series[2]);
        await AssertBodyAsync(withSource, "/compute/1.2.3", HttpStatusCode.Unauthorized, series[2]);
        await AssertBodyAsync(api.CreateClient(), "/results/files/00000000-0000-0000-0000-000000000000/1.2.3/report.pdf?expires=1&signature=x",
            HttpStatusCode.Forbidden, series[3]);
        await AssertBodyAsync(admin, $"/api/results/{Guid.NewGuid()}", HttpStatusCode.NotFound, noSession);
        await AssertBodyAsync(admin, "/api/sessions/not-a-uuid", HttpStatusCode.NotFound, noSession);
    }

    private static async Task AssertBodyAsync(HttpClient client, string path, HttpStatusCode status, JsonNode seed)
    {
        using var response = await client.GetAsync(path, Ct);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct));

        Assert.Equal(status, response.StatusCode);
        Assert.True(JsonNode.DeepEquals(seed, body), $"{path}: {body}");
    }

    private static HttpRequestMessage Post(string path, string body, string contentType) =>
        new(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, contentType) };

    private static HttpRequestMessage Login(string username, string password) =>
        new(HttpMethod.Post, "/api/v1/userlogin/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = username, ["password"] = password }),
        };

    /// <summary>
    /// The body waits for 100 Continue, which Kestrel never sends for a body over the limit: the client reads the 413
    /// instead of racing it with a body the server has stopped reading (a broken pipe).
    /// </summary>
    private static HttpRequestMessage ExpectingContinue(HttpRequestMessage request)
    {
        request.Headers.ExpectContinue = true;
        return request;
    }

    private static HttpRequestMessage Accepting(HttpRequestMessage request, string mediaType)
    {
        request.Headers.Accept.ParseAdd(mediaType);
        return request;
    }
}
