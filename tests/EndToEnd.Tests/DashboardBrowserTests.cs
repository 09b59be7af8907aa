using System.Net.Http.Json;
using System.Text.Json;
using AppHost.Hosting.Orchestration;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EndToEnd.Tests;

/// <summary>
/// The dashboard in a real browser (Debian's chromium through Playwright) while the app host runs the whole system:
/// resources, a console line, the upload's trace across ResultsApi and WorkflowWorker, its logs, a metric chart,
/// and the resource actions. Each page is saved as a screenshot under artifacts/screenshots/dashboard.
/// </summary>
public sealed class DashboardBrowserTests(WholeApplication whole) : IClassFixture<WholeApplication>, IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly float Patience = 60_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async ValueTask InitializeAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium (test.sh does).");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task The_dashboard_shows_resources_a_console_line_and_the_uploads_trace_across_ResultsApi_and_WorkflowWorker()
    {
        var page = await OpenDashboardAsync();

        // Resources: every one, running and healthy, with its endpoint as a link.
        foreach (var resource in whole.App.Resources)
        {
            var row = page.Locator($"#resources-table tr[data-resource='{resource.Name}']");
            await Expect(row).ToContainTextAsync("Running", new() { Timeout = Patience });
            await Expect(row).ToContainTextAsync("Healthy", new() { Timeout = Patience });
        }

        var api = whole.App.GetEndpoint("resultsapi").ToString().TrimEnd('/');
        await Expect(page.Locator($"#resources-table tr[data-resource='resultsapi'] a[href='{api}']")).ToBeVisibleAsync();
        // Each API's interactive reference is linked from its row, and the link opens it.
        foreach (var service in new[] { "resultsapi", "imagingimport" })
        {
            var reference = page.Locator($"#resources-table tr[data-resource='{service}'] .resource-link a");
            await Expect(reference).ToHaveTextAsync("API reference");
            var href = await reference.GetAttributeAsync("href");
            Assert.Equal($"{whole.App.GetEndpoint(service).ToString().TrimEnd('/')}/scalar/v1", href);
            using var http = new HttpClient();
            using var opened = await http.GetAsync(href, Ct);
            Assert.Equal(System.Net.HttpStatusCode.OK, opened.StatusCode);
            Assert.Equal("text/html", opened.Content.Headers.ContentType?.MediaType);
        }

        await ScreenshotAsync(page, "1-resources");

        // A request to ResultsApi: raw data uploaded under a known trace id, reconstructed by the worker.
        var traceId = await UploadUnderTraceAsync();

        // Console: ResultsApi's own line about the job it queued, live.
        await page.GotoAsync($"{whole.App.DashboardUrl}#/console/resultsapi");
        await Expect(page.Locator("#console-lines")).ToContainTextAsync($"RecoJob queued (trace {traceId})", new() { Timeout = Patience });
        await ScreenshotAsync(page, "2-console");

        // Traces: the upload's trace in the list, then its waterfall across both services.
        await page.GotoAsync($"{whole.App.DashboardUrl}#/traces");
        var listed = page.Locator($"#traces-table tr[data-trace-id='{traceId}']");
        await Expect(listed).ToContainTextAsync("workflowworker", new() { Timeout = Patience });
        await ScreenshotAsync(page, "3-traces");
        await listed.Locator("a").First.ClickAsync();
        var waterfall = page.Locator("#waterfall");
        await Expect(waterfall.Locator(".span-row[data-resource='resultsapi']").First).ToBeVisibleAsync(new() { Timeout = Patience });
        await Expect(waterfall.Locator(".span-row[data-resource='workflowworker']").First).ToBeVisibleAsync(new() { Timeout = Patience });
        await Expect(waterfall).ToContainTextAsync("Consumer", new() { Timeout = Patience });
        await Expect(waterfall).ToContainTextAsync("Producer");
        await waterfall.Locator(".span-row[data-resource='workflowworker']").First.ClickAsync();
        await Expect(page.Locator("#span-details")).ToContainTextAsync("workflowworker");
        await ScreenshotAsync(page, "4-trace-waterfall");

        // Structured logs of that trace, from both services.
        await page.GotoAsync($"{whole.App.DashboardUrl}#/logs?traceId={traceId}");
        var logs = page.Locator("#logs-table");
        await Expect(logs).ToContainTextAsync("resultsapi", new() { Timeout = Patience });
        await Expect(logs).ToContainTextAsync("workflowworker", new() { Timeout = Patience });
        await ScreenshotAsync(page, "5-structured-logs");

        // Metrics: ResultsApi's request durations as a chart.
        await page.GotoAsync($"{whole.App.DashboardUrl}#/metrics?resource=resultsapi");
        var instrument = page.Locator("#metrics-instruments li[data-instrument='http.server.request.duration']");
        await instrument.ClickAsync(new() { Timeout = Patience });
        await Expect(page.Locator("#metrics-chart svg polyline").First).ToBeVisibleAsync(new() { Timeout = Patience });
        await ScreenshotAsync(page, "6-metrics");
    }

    [Fact]
    public async Task Stop_start_and_restart_from_the_resources_page_act_on_the_process()
    {
        var page = await OpenDashboardAsync();
        var row = page.Locator("#resources-table tr[data-resource='imagingimport']");
        var before = whole.App.ResourceNotifications.Get("imagingimport")!;
        var pid = Assert.Single(before.Pids);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        await row.Locator("button[data-command='stop']").ClickAsync(new() { Timeout = Patience });
        var stopped = await whole.App.ResourceNotifications.WaitForResourceAsync("imagingimport", s => s.State == KnownResourceStates.Exited && s.Pids.Count == 0, timeout.Token);
        Assert.False(Imaging.TestSupport.ProcessTable.IsAlive(pid));
        Assert.Equal("stopped from the dashboard", stopped.Message);
        await Expect(row).ToContainTextAsync("Exited", new() { Timeout = Patience });
        await ScreenshotAsync(page, "7-resource-stopped");

        await row.Locator("button[data-command='start']").ClickAsync(new() { Timeout = Patience });
        var started = await whole.App.ResourceNotifications.WaitForResourceAsync("imagingimport",
            s => s.State == KnownResourceStates.Running && s.Health == HealthStatus.Healthy, timeout.Token);
        Assert.Equal(before.Restarts, started.Restarts);

        await row.Locator("button[data-command='restart']").ClickAsync(new() { Timeout = Patience });
        var restarted = await whole.App.ResourceNotifications.WaitForResourceAsync("imagingimport",
            s => s.Restarts == before.Restarts + 1 && s.State == KnownResourceStates.Running && s.Health == HealthStatus.Healthy, timeout.Token);
        Assert.DoesNotContain(Assert.Single(started.Pids), restarted.Pids);
        await Expect(row).ToContainTextAsync("Healthy", new() { Timeout = Patience });

        // A command the resource does not offer now is refused with what it does offer; databases offer none.
        using var dashboard = await Imaging.TestSupport.DashboardSession.LoginAsync(whole.App.DashboardLoginUrl!, Ct);
        using var refused = await dashboard.PostAsync("/api/resources/resultsdb/commands/stop", null, Ct);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, refused.StatusCode);
        using var unknown = await dashboard.PostAsync("/api/resources/nothing/commands/stop", null, Ct);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private async Task<IPage> OpenDashboardAsync()
    {
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        await page.GotoAsync(whole.App.DashboardLoginUrl!.ToString());
        await Expect(page.Locator("#resources-table")).ToBeVisibleAsync(new() { Timeout = Patience });
        return page;
    }

    private async Task<string> UploadUnderTraceAsync()
    {
        using var client = await whole.LoginAsync(Ct);
        var (record, _) = await ReconstructionEndToEndTests.CreateRecordAsync(client);
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(await File.ReadAllBytesAsync(ReconstructionEndToEndTests.KSpaceFile("2,16,16", "complex64"), Ct)), "file", "kspace.npy" },
        };
        using var upload = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/workflow/upload/{record}/") { Content = form };
        upload.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()))}-01");
        (await client.SendAsync(upload, Ct)).EnsureSuccessStatusCode();
        for (var attempt = 0; attempt < 300; attempt++)
        {
            var state = await client.GetFromJsonAsync<JsonElement>($"/api/v1/workflow/record/{record}", Ct);
            if (state.GetProperty("status").GetString() is "FINISHED" or "ERROR")
            {
                Assert.Equal("FINISHED", state.GetProperty("status").GetString());
                return traceId;
            }

            await Task.Delay(200, Ct);
        }

        Assert.Fail($"Record {record} was not reconstructed in a minute.");
        return traceId;
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(RepositoryRoot(), "artifacts", "screenshots", "dashboard");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "aspire.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? AppContext.BaseDirectory;
    }
}
