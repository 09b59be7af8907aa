namespace Imaging.ResultsApi.Analysis;

/// <summary>
/// Queues a series' analysis: the row and its message go in one commit (the outbox), so a queued series always
/// reaches the worker and a failed commit queues nothing. A failed analysis may be queued again; anything else
/// already queued is left alone.
/// </summary>
public sealed partial class SeriesAnalysisQueue(Outbox outbox, TimeProvider time, ILogger<SeriesAnalysisQueue> logger)
{
    /// <summary>True when this call queued the series; false when it was already queued, running or done.</summary>
    public async Task<bool> QueueAsync(ResultsDbContext db, Guid sourceId, string seriesInstanceUid, string queuedBy, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var analysis = await db.SeriesAnalyses.SingleOrDefaultAsync(a => a.SourceId == sourceId && a.SeriesInstanceUid == seriesInstanceUid, cancellationToken);
        if (analysis is null)
        {
            analysis = new SeriesAnalysis { SourceId = sourceId, SeriesInstanceUid = seriesInstanceUid };
            db.SeriesAnalyses.Add(analysis);
        }
        else if (analysis.Status != AnalysisStatus.FAILED)
        {
            return false;
        }

        analysis.Status = AnalysisStatus.QUEUED;
        analysis.Attempt++;
        analysis.QueuedBy = queuedBy;
        analysis.Reason = null;
        analysis.DatetimeQueued = now;
        analysis.DatetimeUpdated = now;
        outbox.Add(db, new SeriesAnalysisJob(sourceId, seriesInstanceUid, analysis.Attempt));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Queued by a concurrent call a moment ago (the unique index, or the row changed under us).
            db.ChangeTracker.Clear();
            return false;
        }

        LogQueued(logger, seriesInstanceUid, sourceId, analysis.Attempt, queuedBy);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Series {SeriesInstanceUid} of source {SourceId} queued for analysis (attempt {Attempt}, by {QueuedBy})")]
    private static partial void LogQueued(ILogger logger, string seriesInstanceUid, Guid sourceId, int attempt, string queuedBy);
}
