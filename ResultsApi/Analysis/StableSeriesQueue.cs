using Imaging.ResultsApi.Caching;

namespace Imaging.ResultsApi.Analysis;

/// <summary>
/// Queues the analysis of every series that has had no new instance for <see cref="StableSeriesOptions.QueueWhenStableFor"/>
/// and was never queued. One replica scans per interval, the one that takes the scan's lease in Redis; the lease only
/// saves work: without Redis every replica scans, and the analysis row's unique index still lets only one queue a series.
/// </summary>
public sealed partial class StableSeriesQueue(IServiceScopeFactory scopes, IOptions<StableSeriesOptions> options, TimeProvider time,
    OptionalRedis redis, ILogger<StableSeriesQueue> logger) : BackgroundService
{
    private const int BatchSize = 100;

    /// <summary>Room for the clocks of several replicas, which stamp the instances they store, to disagree.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    private readonly string _holder = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";

    // A series found not yet stable by a whole scan has an instance stored after that scan's cutoff: the next scan
    // looks only at instances stored since then, so a scan costs what was stored lately, not the whole index.
    private DateTimeOffset _changedSince = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.QueueWhenStableFor == TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(settings.ScanInterval, time);
        do
        {
            try
            {
                // Held a little less than the interval, so it is free again by the next tick whoever took it.
                if (await redis.TryTakeLeaseAsync("stable-series-scan", _holder, settings.ScanInterval * 0.9) != false)
                {
                    await QueueStableSeriesAsync(settings.QueueWhenStableFor, stoppingToken);
                }
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                // The database may be restarting; the next scan tries again.
                LogScanFailed(logger, error);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One scan: the number of series it queued.</summary>
    public async Task<int> QueueStableSeriesAsync(TimeSpan stableFor, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ResultsDbContext>();
        var queue = scope.ServiceProvider.GetRequiredService<SeriesAnalysisQueue>();
        var cutoff = time.GetUtcNow() - stableFor;
        var since = _changedSince;
        var due = await db.Instances.AsNoTracking()
            .Where(i => (i.DatetimeUpdated ?? i.DatetimeCreated) >= since)
            .Where(i => !db.SeriesAnalyses.Any(a => a.SourceId == i.SourceId && a.SeriesInstanceUid == i.SeriesInstanceUid))
            .GroupBy(i => new { i.SourceId, i.SeriesInstanceUid })
            .Where(g => g.Max(i => i.DatetimeUpdated ?? i.DatetimeCreated) < cutoff)
            .Select(g => g.Key)
            .Take(BatchSize)
            .ToListAsync(cancellationToken);
        var queued = 0;
        foreach (var series in due)
        {
            if (await queue.QueueAsync(db, series.SourceId, series.SeriesInstanceUid, "stable", cancellationToken))
            {
                queued++;
            }
        }

        if (due.Count < BatchSize)
        {
            // Every series stable by the cutoff was queued (a failure throws before this); a full batch may have left some.
            _changedSince = cutoff - ClockSkew;
        }

        return queued;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for stable series to analyse failed; trying again at the next scan")]
    private static partial void LogScanFailed(ILogger logger, Exception error);
}
