namespace Imaging.ResultsApi.Caching;

/// <summary>What GET /results/{series} shows of a finished analysis; it never changes once the analysis is done.</summary>
public sealed record FinishedAnalysis(string? TriageStatus, string? Usecase, string Files);

/// <summary>
/// Finished analyses in Redis, for clients that poll /results/{series}: a done analysis is final (only a failed one
/// is queued again), so an entry needs no invalidation, only an expiry. Without Redis every read goes to PostgreSQL.
/// </summary>
public sealed class FinishedResultsCache(OptionalRedis redis, IOptions<CacheOptions> options)
{
    public async Task<FinishedAnalysis?> GetAsync(Guid sourceId, string seriesInstanceUid) =>
        await redis.GetAsync(Key(sourceId, seriesInstanceUid)) is { } json ? JsonSerializer.Deserialize<FinishedAnalysis>(json) : null;

    public Task SetAsync(Guid sourceId, string seriesInstanceUid, FinishedAnalysis analysis) =>
        redis.SetAsync(Key(sourceId, seriesInstanceUid), JsonSerializer.Serialize(analysis), options.Value.FinishedResultsFor);

    private static string Key(Guid sourceId, string seriesInstanceUid) => $"results:{sourceId:N}:{seriesInstanceUid}";
}
