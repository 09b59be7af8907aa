using Imaging.TestSupport.Browser;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace EndToEnd.Tests;

/// <summary>
/// Aspire's dashboard in a real browser (Debian's chromium through Playwright) while the app host runs the whole system:
/// the resources with their state and links (each API's reference among them), a service's console, and the upload's
/// trace across ResultsApi and WorkflowWorker. Each page is saved as a screenshot under artifacts/screenshots/dashboard.
/// </summary>
[Collection(WholeApplicationCollection.Name)]
public sealed class DashboardBrowserTests(WholeApplication whole) : IAsyncLifetime
{
    private static readonly float Patience = 60_000;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ChromiumBrowser _chromium = null!;

    public async ValueTask InitializeAsync() => _chromium = await ChromiumBrowser.LaunchAsync("dashboard");

    public ValueTask DisposeAsync() => _chromium.DisposeAsync();

    [Fact]
    public async Task The_dashboard_shows_every_resource_the_API_reference_links_a_console_and_the_uploads_trace()
    {
        var traceId = await UploadUnderTraceAsync();
        var page = await _chromium.NewPageAsync(1600, 1000);

        // The login link the app host prints, then the resources page. Aspire's dashboard (Blazor Server) can lose its
        // circuit on a loaded machine (seen once in CI): it then lists no resource and shows "An unhandled error has
        // occurred" with a Reload link, which a person presses, and so does the test, once.
        await page.GotoAsync(whole.Run.DashboardLoginUrl.ToString());
        var broken = page.GetByText("An unhandled error has occurred.");
        await Expect(page.GetByText("postgres", new() { Exact = true }).Or(broken).First).ToBeVisibleAsync(new() { Timeout = Patience });
        if (await broken.IsVisibleAsync())
        {
            await page.ReloadAsync();
        }

        foreach (var resource in new[] { "postgres", "resultsdb", "importdb", "redis", "messaging", "resultsapi", "workflowworker", "imagingimport" })
        {
            await Expect(page.GetByText(resource, new() { Exact = true }).First).ToBeVisibleAsync(new() { Timeout = Patience });
        }

        // A resource's state in the grid (the state filter's own hidden "Running" label aside).
        await Expect(page.GetByText("Running", new() { Exact = true }).Locator("visible=true").First).ToBeVisibleAsync(new() { Timeout = Patience });
        // Each API's interactive reference is linked from its row, and the link opens it.
        foreach (var service in new[] { "resultsapi", "imagingimport" })
        {
            var href = $"{whole.App.GetEndpoint(service, "http").ToString().TrimEnd('/')}/scalar/v1";
            await Expect(page.Locator($"a[href='{href}']").First).ToBeAttachedAsync(new() { Timeout = Patience });
            using var http = new HttpClient();
            using var opened = await http.GetAsync(href, Ct);
            Assert.Equal(System.Net.HttpStatusCode.OK, opened.StatusCode);
        }

        // ResultsApi's viewer is linked from its row too.
        var viewer = $"{whole.App.GetEndpoint("resultsapi", "http").ToString().TrimEnd('/')}/viewer/";
        await Expect(page.Locator($"a[href='{viewer}']").First).ToBeAttachedAsync(new() { Timeout = Patience });

        await ScreenshotAsync(page, "1-resources");

        await page.GotoAsync($"{whole.Run.DashboardUrl}consolelogs/resource/resultsapi");
        // The console follows the newest lines: those of the upload's task, which name its trace.
        await Expect(page.GetByText($"task FINISHED (trace {traceId})").First).ToBeVisibleAsync(new() { Timeout = Patience });
        await ScreenshotAsync(page, "2-console");

        // The upload's trace: the dashboard's trace page names both services.
        await page.GotoAsync($"{whole.Run.DashboardUrl}traces/detail/{traceId}");
        await Expect(page.GetByText("workflowworker").First).ToBeVisibleAsync(new() { Timeout = Patience });
        await Expect(page.GetByText("resultsapi").First).ToBeVisibleAsync(new() { Timeout = Patience });
        await ScreenshotAsync(page, "3-trace");
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

    private Task ScreenshotAsync(IPage page, string name) => _chromium.ScreenshotAsync(page, name);
}
