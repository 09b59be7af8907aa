using Imaging.ResultsApi.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Imaging.ResultsApi.Analysis;

/// <summary>
/// Queues the analysis of every series that has had no new instance for <see cref="SeriesAnalysisOptions.QueueWhenStableFor"/>
/// and was never queued. Several ResultsApi replicas may scan at once: the analysis row's unique index lets only one queue it.
/// </summary>
public sealed partial class StableSeriesQueue(IServiceScopeFactory scopes, IOptions<SeriesAnalysisOptions> options, TimeProvider time,
    ILogger<StableSeriesQueue> logger) : BackgroundService
{
    private const int BatchSize = 100;

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
                await QueueStableSeriesAsync(settings.QueueWhenStableFor, stoppingToken);
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
        var due = await db.Instances.AsNoTracking()
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

        return queued;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for stable series to analyse failed; trying again at the next scan")]
    private static partial void LogScanFailed(ILogger logger, Exception error);
}
