namespace Imaging.WorkflowWorker.ResultsApi;

/// <summary>
/// A job's progress, as a percentage and a stage in ResultsApi and as log lines: every stage is reported, and steps
/// within a stage at most once per interval, so a fast job costs a call or two. A report that fails is logged and
/// dropped; progress is for the people watching, never a reason to fail the job.
/// </summary>
/// <param name="job">The job as the log names it, such as "Record 12" or "Series 1.2.3".</param>
/// <param name="send">Sends one report; false when ResultsApi did not take it (the job was superseded).</param>
public sealed partial class JobProgress(string job, Func<int, string, CancellationToken, Task<bool>> send, TimeSpan interval, TimeProvider time, ILogger logger)
{
    private long? _lastReport;

    /// <summary>A new stage: always reported.</summary>
    public Task StageAsync(int percent, string stage, CancellationToken cancellationToken) => SendAsync(percent, stage, cancellationToken);

    /// <summary>Step <paramref name="done"/> of <paramref name="total"/> within the span from <paramref name="from"/> to <paramref name="to"/> percent; reported when the interval has passed.</summary>
    public Task StepAsync(int from, int to, int done, int total, string stage, CancellationToken cancellationToken) =>
        _lastReport is { } last && time.GetElapsedTime(last) < interval
            ? Task.CompletedTask
            : SendAsync(from + ((to - from) * done / Math.Max(1, total)), stage, cancellationToken);

    private async Task SendAsync(int percent, string stage, CancellationToken cancellationToken)
    {
        _lastReport = time.GetTimestamp();
        LogProgress(logger, job, percent, stage);
        try
        {
            if (!await send(percent, stage, cancellationToken))
            {
                LogRefused(logger, job, percent);
            }
        }
        catch (Exception error) when (!cancellationToken.IsCancellationRequested)
        {
            LogUnreported(logger, job, error.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Job}: {Percent}% ({Stage})")]
    private static partial void LogProgress(ILogger logger, string job, int percent, string stage);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Job}: ResultsApi did not take the report of {Percent}% (the job may have been superseded)")]
    private static partial void LogRefused(ILogger logger, string job, int percent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Job}: progress not reported, the job goes on: {Reason}")]
    private static partial void LogUnreported(ILogger logger, string job, string reason);
}
