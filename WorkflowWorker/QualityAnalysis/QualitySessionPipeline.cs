using System.Diagnostics;
using System.Text.Json.Nodes;
using Imaging.Contracts.QualityTargets;
using Imaging.WorkflowWorker.QualityAnalysis.Colour;
using Imaging.WorkflowWorker.QualityAnalysis.Images;
using Imaging.WorkflowWorker.QualityAnalysis.Measurements;
using Imaging.WorkflowWorker.QualityAnalysis.Targets;

namespace Imaging.WorkflowWorker.QualityAnalysis;

/// <summary>
/// Measures the two target images of an image-quality session against the ISO 19264-1 levels and reports every
/// image's result at once, so a session is either finished whole or failed with the reason. An image that cannot be
/// read or measured (not TIFF/JPEG, truncated, too large, target not found) fails the session at once, without
/// retries; passing faults (ResultsApi unreachable) are retried, and the last attempt fails the session.
/// </summary>
public sealed partial class QualitySessionPipeline(ResultsApiClient api, IOptions<QualityAnalysisOptions> options, ILogger<QualitySessionPipeline> logger)
{
    /// <summary>Runs one attempt at <paramref name="job"/>; on the last one (<paramref name="lastAttempt"/>) a passing fault is reported as the job's failure.</summary>
    public async Task RunAsync(QualitySessionJob job, bool lastAttempt, CancellationToken cancellationToken)
    {
        var sessionId = job.SessionId;
        var session = await api.StartQualitySessionAsync(sessionId, cancellationToken);
        if (session is null)
        {
            LogSkipped(logger, sessionId);
            return;
        }

        var settings = options.Value;
        try
        {
            var target = QualityTargetCatalogue.Find(session.Target);
            if (target is null)
            {
                await FailAsync(sessionId, $"The target '{session.Target}' is not one this worker knows ({string.Join(", ", QualityTargetCatalogue.Ids)}).", cancellationToken);
                return;
            }

            var images = new JsonObject();
            foreach (var file in session.Images)
            {
                var bytes = await api.GetQualitySessionImageAsync(sessionId, file.FileName, cancellationToken);
                var started = Stopwatch.GetTimestamp();
                ImageEvaluation evaluation;
                try
                {
                    var image = TargetImageReader.Read(new MemoryStream(bytes, writable: false), settings.MaxPixels);
                    var measured = TargetMeasurement.Measure(image, target, settings.DeltaEFormula);
                    evaluation = QualityEvaluation.Evaluate(measured, image, target, file.ImageTag, settings);
                }
                catch (Exception error) when (error is TargetImageException or TargetNotFoundException or IccProfileException)
                {
                    await FailAsync(sessionId, $"{file.FileName}: {error.Message}", cancellationToken);
                    return;
                }

                LogMeasured(logger, sessionId, file.FileName, file.ImageTag, evaluation.OverallScore, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                images[file.FileName] = new JsonObject { ["result"] = evaluation.Result, ["measurements"] = evaluation.Measurements };
            }

            if (await api.ReportQualitySessionAsync(sessionId, "finished", new { images }, cancellationToken))
            {
                LogFinished(logger, sessionId, session.SourceId, session.Target, session.Images.Count);
            }
            else
            {
                LogAlreadyReported(logger, sessionId);
            }
        }
        catch (Exception error) when (error is not OperationCanceledException && lastAttempt)
        {
            await FailAsync(sessionId, $"The measurement failed after {settings.RetryIntervals.Length + 1} attempts: {error.Message}", cancellationToken);
            throw;
        }
    }

    private async Task FailAsync(Guid sessionId, string reason, CancellationToken cancellationToken)
    {
        await api.ReportQualitySessionAsync(sessionId, "failed", new { reason }, cancellationToken);
        LogFailed(logger, sessionId, reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Quality session {SessionId} is already finished or failed; skipped")]
    private static partial void LogSkipped(ILogger logger, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quality session {SessionId}: {FileName} ({ImageTag}) measured, overall level {OverallScore}, in {ElapsedMs:F0} ms")]
    private static partial void LogMeasured(ILogger logger, Guid sessionId, string fileName, string imageTag, string overallScore, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quality session {SessionId} of source {SourceId} finished: target {Target}, {Images} image(s)")]
    private static partial void LogFinished(ILogger logger, Guid sessionId, Guid sourceId, string target, int images);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quality session {SessionId} was reported meanwhile; this outcome was not kept")]
    private static partial void LogAlreadyReported(ILogger logger, Guid sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quality session {SessionId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid sessionId, string reason);
}
