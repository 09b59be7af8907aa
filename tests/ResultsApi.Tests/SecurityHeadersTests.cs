using Imaging.TestSupport.Http;
using Microsoft.Extensions.Hosting;

namespace ResultsApi.Tests;

/// <summary>ServiceDefaults' security headers on every kind of answer, no-store on token answers, the reference page's own CSP, and CORS closed unless configured.</summary>
public sealed class SecurityHeadersTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    private const string Viewer = "https://viewer.example.org";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/alive", HttpStatusCode.OK)]
    [InlineData("/api/v1/exam/all", HttpStatusCode.Unauthorized)]
    [InlineData("/no/such/path", HttpStatusCode.NotFound)]
    [InlineData("/openapi/v1.json", HttpStatusCode.OK)]
    [InlineData("/results/1.2.3", HttpStatusCode.Unauthorized)]
    public async Task Every_answer_carries_the_security_headers(string path, HttpStatusCode status)
    {
        using var response = await api.CreateClient().GetAsync(path, Ct);

        Assert.Equal(status, response.StatusCode);
        AssertSecurityHeaders(response, SecurityDefaults.ApiContentSecurityPolicy);
    }

    [Fact]
    public async Task A_failed_request_that_ends_in_the_exception_handler_keeps_them()
    {
        var client = await api.LoginAsync();
        using var content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");

        using var response = await client.PostAsync("/api/v1/exam/new", content, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        AssertSecurityHeaders(response, SecurityDefaults.ApiContentSecurityPolicy);
    }

    [Fact]
    public async Task The_API_reference_page_loads_with_a_policy_that_lets_it_run() =>
        Assert.Empty(await ApiReferencePage.ProblemsAsync(api.CreateClient(), SecurityDefaults.ReferencePageContentSecurityPolicy, Ct));

    [Fact]
    public async Task Login_answers_are_not_stored_by_caches_and_other_answers_are_not_marked()
    {
        using var login = await api.CreateClient().PostAsync("/api/v1/userlogin/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "admin",
            ["password"] = ResultsApiFactory.AdminPassword,
        }), Ct);
        using var failed = await api.CreateClient().PostAsync("/api/v1/userlogin/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "admin",
            ["password"] = "wrong",
        }), Ct);
        using var openApi = await api.CreateClient().GetAsync("/openapi/v1.json", Ct);

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.True(login.Headers.CacheControl?.NoStore, "login: Cache-Control no-store");
        Assert.True(failed.Headers.CacheControl?.NoStore, "failed login: Cache-Control no-store");
        Assert.NotEqual(true, openApi.Headers.CacheControl?.NoStore);
    }

    [Fact]
    public async Task Cross_origin_requests_get_no_CORS_headers_by_default()
    {
        using var preflight = await api.CreateClient().SendAsync(Preflight(Viewer), Ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/alive") { Headers = { { "Origin", Viewer } } };
        using var simple = await api.CreateClient().SendAsync(request, Ct);

        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Methods"));
        Assert.False(simple.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_configured_origin_is_allowed_and_only_that_one()
    {
        using var configured = api.WithWebHostBuilder(builder => builder.UseSetting("Cors:AllowedOrigins:0", Viewer));
        var client = configured.CreateClient();

        using var allowed = await client.SendAsync(Preflight(Viewer), Ct);
        using var other = await client.SendAsync(Preflight("https://evil.example.com"), Ct);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/alive") { Headers = { { "Origin", Viewer } } };
        using var simple = await client.SendAsync(request, Ct);

        Assert.Equal(Viewer, Assert.Single(allowed.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("authorization", string.Join(",", allowed.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
        Assert.False(allowed.Headers.Contains("Access-Control-Allow-Credentials"));
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(Viewer, Assert.Single(simple.Headers.GetValues("Access-Control-Allow-Origin")));
    }

    private static HttpRequestMessage Preflight(string origin) => new(HttpMethod.Options, "/api/v1/exam/all")
    {
        Headers =
        {
            { "Origin", origin },
            { "Access-Control-Request-Method", "GET" },
            { "Access-Control-Request-Headers", "authorization" },
        },
    };

    private static void AssertSecurityHeaders(HttpResponseMessage response, string contentSecurityPolicy) =>
        Assert.Empty(SecurityHeaderChecks.Problems(response, contentSecurityPolicy));
}
