using StackExchange.Redis;

namespace ResultsApi.Tests;

/// <summary>
/// Redis as ResultsApi uses it, a cache it can do without: a finished analysis is read from Redis after its first read,
/// and with Redis out of reach the same answers come from PostgreSQL while /health says Degraded.
/// </summary>
public sealed class ResultsCacheTests(ResultsApiFactory api, TestServers servers) : IClassFixture<ResultsApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_finished_analysis_is_answered_from_Redis_after_its_first_read()
    {
        var (series, token) = await FinishedSeriesAsync();
        var first = await ResultsAsync(api.CreateClient(), series, token);

        // Changed behind the cache's back: the cached answer stays until it expires, proving where it came from.
        await using (var scope = api.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
            await db.SeriesAnalyses.Where(a => a.SeriesInstanceUid == series).ExecuteUpdateAsync(a => a.SetProperty(x => x.TriageStatus, "Urgent"), Ct);
        }

        var second = await ResultsAsync(api.CreateClient(), series, token);
        Assert.Equal("Routine", first.GetProperty("triage_status").GetString());
        Assert.Equal("Routine", second.GetProperty("triage_status").GetString());
        await using var redis = await ConnectionMultiplexer.ConnectAsync(servers.RedisConnectionString);
        var keys = redis.GetServers().Single().Keys(pattern: api.CacheKeyPrefix + "results:*").Select(k => k.ToString()).ToList();
        Assert.Equal([$"{api.CacheKeyPrefix}results:{await SourceOfAsync(series):N}:{series}"], keys);
    }

    [Fact]
    public async Task Without_Redis_results_come_from_PostgreSQL_at_once_and_health_says_Degraded()
    {
        var (series, token) = await FinishedSeriesAsync();
        // Nothing listens on port 1: the same service and database with its Redis gone.
        await using var withoutRedis = api.WithWebHostBuilder(builder => builder.UseSetting("ConnectionStrings:redis", "127.0.0.1:1,connectTimeout=200"));
        var client = withoutRedis.CreateClient();

        var results = await ResultsAsync(client, series, token);
        var again = await ResultsAsync(client, series, token);

        Assert.Equal("Routine", results.GetProperty("triage_status").GetString());
        Assert.Equal("Routine", again.GetProperty("triage_status").GetString());
        using var health = await client.GetAsync("/health", Ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var report = await health.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("Degraded", report.GetProperty("status").GetString());
        var redisEntry = report.GetProperty("entries").GetProperty("redis:redis");
        Assert.Equal("Degraded", redisEntry.GetProperty("status").GetString());
        Assert.StartsWith("Redis does not answer; running without the cache", redisEntry.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Healthy", report.GetProperty("entries").GetProperty("ResultsDbContext").GetProperty("status").GetString());
    }

    private async Task<JsonElement> ResultsAsync(HttpClient client, string series, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/results/{series}");
        request.Headers.TryAddWithoutValidation("Authorization", $"Token {token}");
        request.Headers.Add("Source", "default");
        using var response = await client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    /// <summary>A stored series whose analysis is done, and a source token of its source.</summary>
    private async Task<(string Series, string Token)> FinishedSeriesAsync()
    {
        var admin = await api.LoginAsync();
        var series = DicomUid.Generate();
        using (var stored = await admin.PostAsync("/dicom-web/studies", StowTests.Related(StowTests.Instance(DicomUid.Generate(), series, 1, out _)), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        await using (var scope = api.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
            db.SeriesAnalyses.Add(new SeriesAnalysis
            {
                SourceId = await SourceOfAsync(series),
                SeriesInstanceUid = series,
                Status = AnalysisStatus.DONE,
                Files = "{\"json\": [\"report.json\"]}",
                TriageStatus = "Routine",
                Usecase = "qct",
            });
            await db.SaveChangesAsync(Ct);
        }

        using var created = await admin.PostAsJsonAsync("/api/v1/sources/tokens", new { name = "cache test" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (series, (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("token").GetString()!);
    }

    private async Task<Guid> SourceOfAsync(string series)
    {
        await using var scope = api.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        return await db.Instances.Where(i => i.SeriesInstanceUid == series).Select(i => i.SourceId).FirstAsync(Ct);
    }
}
