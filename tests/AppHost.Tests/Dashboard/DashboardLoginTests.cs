using System.Net;
using AppHost.Dashboard;
using AppHost.Dashboard.Apis;
using AppHost.Hosting;
using AppHost.Hosting.Orchestration;

namespace AppHost.Tests.Dashboard;

/// <summary>The UI's login link: without the run's token no data answers; with it, a session cookie.</summary>
public sealed class DashboardLoginTests
{
    [Fact]
    public async Task The_ui_and_its_api_need_the_runs_login_link_and_answer_with_security_headers()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await DashboardHost.StartAsync(new DashboardOptions { Port = 0, OtlpGrpcPort = 0, OtlpHttpPort = 0 }, new PortAllocator(),
            new ResourceNotificationService(), new ResourceLogStore(null), ResourceControl.None, ct);
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = host.Url };

        // The page loads without a session (it then shows how to log in); its data does not.
        using (var script = await browser.GetAsync("/app.js", ct))
        {
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
            Assert.Equal("text/javascript", script.Content.Headers.ContentType!.MediaType);
        }

        foreach (var path in new[] { "/api/resources", "/api/traces", "/api/logs", "/api/metrics", "/api/telemetry" })
        {
            using var refused = await browser.GetAsync(path, ct);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("login link", await refused.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        }

        var token = System.Web.HttpUtility.ParseQueryString(host.LoginUrl.Query)["t"]!;
        Assert.Matches("^[0-9a-f]{32}$", token);
        using var wrong = await browser.GetAsync($"/login?t={token[..^1]}0", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using var stillRefused = await browser.GetAsync("/api/resources", ct);
        Assert.Equal(HttpStatusCode.Unauthorized, stillRefused.StatusCode);

        using var login = await browser.GetAsync(host.LoginUrl, ct);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/", login.Headers.Location!.OriginalString);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        using var page = await browser.GetAsync("/", ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.StartsWith("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        using var resources = await browser.GetAsync("/api/resources", ct);
        Assert.Equal(HttpStatusCode.OK, resources.StatusCode);
    }

    [Fact]
    public async Task Unsecured_the_ui_answers_without_a_login()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var host = await DashboardHost.StartAsync(
            new DashboardOptions { Port = 0, OtlpGrpcPort = 0, OtlpHttpPort = 0, AuthMode = DashboardAuthMode.Unsecured }, new PortAllocator(),
            new ResourceNotificationService(), new ResourceLogStore(null), ResourceControl.None, ct);
        using var browser = new HttpClient { BaseAddress = host.Url };
        using var resources = await browser.GetAsync("/api/resources", ct);
        Assert.Equal(HttpStatusCode.OK, resources.StatusCode);
        Assert.Equal(host.Url, host.LoginUrl);
    }

    [Fact]
    public async Task A_short_fixed_token_or_an_unknown_protocol_stops_the_start_with_what_to_change()
    {
        var error = await Assert.ThrowsAsync<DistributedApplicationException>(() => DashboardHost.StartAsync(
            new DashboardOptions { Port = 0, OtlpGrpcPort = 0, OtlpHttpPort = 0, BrowserToken = "short", OtlpProtocol = "http/json" }, new PortAllocator(),
            new ResourceNotificationService(), new ResourceLogStore(null), ResourceControl.None, TestContext.Current.CancellationToken));
        Assert.Contains("AppHost:Dashboard:OtlpProtocol must be grpc or http/protobuf", error.Message, StringComparison.Ordinal);
        Assert.Contains("AppHost:Dashboard:BrowserToken must be at least 16 characters", error.Message, StringComparison.Ordinal);
    }
}
