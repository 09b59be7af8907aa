using Imaging.ResultsApi.Analysis;
using Imaging.ResultsApi.Apis;

namespace ResultsApi.Tests;

/// <summary>ResultsApi with the automatic queueing of stable series on, as it runs by default (10 s, scanned every 2 s).</summary>
public sealed class AutoQueueResultsApiFactory(TestServers servers) : ResultsApiFactory(servers)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("SeriesAnalysis:QueueWhenStableFor", "00:00:10");
        builder.UseSetting("SeriesAnalysis:ScanInterval", "00:00:02");
    }
}

/// <summary>
/// The seed's 202 from the moment a series is uploaded: while it waits to be queued by itself, and while it is analysed;
/// never a 409 after a normal upload when automatic queueing is on.
/// </summary>
public sealed class SeriesResultsWaitingTests(AutoQueueResultsApiFactory api) : IClassFixture<AutoQueueResultsApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_uploaded_series_is_under_process_at_once_and_is_queued_by_itself_once_stable()
    {
        var admin = await api.LoginAsync();
        using var created = await admin.PostAsJsonAsync("/api/v1/sources/tokens", new { name = "router" }, Ct);
        var token = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("token").GetString();
        var series = DicomUid.Generate();
        using (var stored = await admin.PostAsync("/dicom-web/studies", StowTests.Related(StowTests.Instance(DicomUid.Generate(), series, 1, out _)), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        var underProcess = $$"""{"success":false,"message":"Resource with sopInstanceUID {{series}} is under process. Please check back in some time."}""";
        var (waiting, waitingBody, waitingStage, retryAfter) = await ResultsAsync(series, token!);
        api.Clock.Advance(TimeSpan.FromSeconds(11));
        // The service's own scan may take the tick first (its timer runs on the same clock); either way the series is queued after this.
        await api.Services.GetRequiredService<StableSeriesQueue>().QueueStableSeriesAsync(TimeSpan.FromSeconds(10), Ct);
        var (afterQueue, afterQueueBody, afterQueueStage, _) = await ResultsAsync(series, token!);

        Assert.Equal((HttpStatusCode.Accepted, underProcess, SeriesResultsApi.WaitingStage, "12"), (waiting, waitingBody, waitingStage, retryAfter));
        Assert.Equal((HttpStatusCode.Accepted, underProcess, "queued"), (afterQueue, afterQueueBody, afterQueueStage));
    }

    private async Task<(HttpStatusCode Status, string Body, string? Stage, string? RetryAfter)> ResultsAsync(string series, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/results/{series}");
        request.Headers.TryAddWithoutValidation("Authorization", $"Token {token}");
        request.Headers.Add("Source", "default");
        using var response = await api.CreateClient().SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct),
            response.Headers.TryGetValues(SeriesResultsApi.StageHeader, out var stage) ? stage.Single() : null,
            response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
