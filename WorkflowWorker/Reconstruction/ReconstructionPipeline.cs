using Imaging.Contracts.RawData;

namespace Imaging.WorkflowWorker.Reconstruction;

/// <summary>
/// Reconstructs a record: takes the job at ResultsApi (which moves the task to INPROGRESS, or says the job is stale
/// or done), downloads the k-space, reconstructs, writes the MR series and uploads it into the task's result, then
/// reports FINISHED. Raw data that cannot be reconstructed fails at once; other faults are retried, and the last
/// attempt reports ERROR before the message goes to the error queue with the exception.
/// </summary>
public sealed partial class ReconstructionPipeline(ResultsApiClient api, IOptions<ReconstructionOptions> options, TimeProvider time, ILogger<ReconstructionPipeline> logger)
{
    /// <summary>Runs one attempt at <paramref name="job"/>; on the last one (<paramref name="lastAttempt"/>) a passing fault is reported as the job's failure.</summary>
    public async Task RunAsync(RecoJob job, bool lastAttempt, CancellationToken cancellationToken)
    {
        var started = await api.StartAsync(job.RecordId, job.Input, cancellationToken);
        if (started is null)
        {
            LogSkipped(logger, job.RecordId, job.Input);
            return;
        }

        try
        {
            // Progress: reading 0–10 %, reconstructing 10–80 %, writing and storing the images 80–99 %, FINISHED 100 %.
            var progress = new JobProgress($"Record {job.RecordId}", (percent, stage, token) => api.ReportProgressAsync(job.RecordId, started.Generation, percent, stage, token),
                options.Value.ProgressInterval, time, logger);
            var raw = await api.GetRawDataAsync(job.RecordId, cancellationToken);
            var kspace = KSpace.FromNpy(raw, options.Value.MaxRawDataValues);
            await progress.StageAsync(10, $"k-space read: {kspace.Slices} slice(s) from {kspace.Coils} coil(s) of {kspace.Rows}×{kspace.Columns}", cancellationToken);
            var begun = time.GetTimestamp();
            var images = new List<MagnitudeImage>(kspace.Slices);
            foreach (var image in CartesianReconstruction.Slices(kspace, cancellationToken))
            {
                images.Add(image);
                await progress.StepAsync(10, 80, images.Count, kspace.Slices, $"reconstructed slice {images.Count} of {kspace.Slices}", cancellationToken);
            }

            LogReconstructed(logger, job.RecordId, kspace.Slices, kspace.Coils, kspace.Rows, kspace.Columns, time.GetElapsedTime(begun).TotalMilliseconds);
            var series = MrSeriesWriter.Write(images,
                new SeriesContext(job.RecordId, started.ExamId, started.PatientId, started.ExamName, started.ExamCreated, started.TaskId, started.TaskName),
                time.GetUtcNow(), options.Value.PixelSpacing);
            await progress.StageAsync(80, $"{series.Count} image(s) reconstructed; storing them", cancellationToken);
            for (var i = 0; i < series.Count; i++)
            {
                await api.PutInstanceAsync(started.ResultId, series[i].FileName, series[i].Part10, cancellationToken);
                await progress.StepAsync(80, 99, i + 1, series.Count, $"stored image {i + 1} of {series.Count}", cancellationToken);
            }

            if (await api.FinishAsync(job.RecordId, started.Generation, [.. series.Select(i => i.FileName)], cancellationToken))
            {
                LogFinished(logger, job.RecordId, started.TaskId, series.Count);
            }
            else
            {
                LogSuperseded(logger, job.RecordId, started.Generation);
            }
        }
        catch (RawDataException invalid)
        {
            LogInvalid(logger, job.RecordId, invalid.Message);
            await api.FailAsync(job.RecordId, started.Generation, invalid.Message, cancellationToken);
            throw;
        }
        catch (Exception error) when (error is not OperationCanceledException && lastAttempt)
        {
            await api.FailAsync(job.RecordId, started.Generation,
                $"The reconstruction failed after {options.Value.RetryIntervals.Length + 1} attempts: {error.Message}", cancellationToken);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Record {RecordId}: job for {Input} is stale or already done; skipped")]
    private static partial void LogSkipped(ILogger logger, int recordId, string input);

    [LoggerMessage(Level = LogLevel.Information, Message = "Record {RecordId}: reconstructed {Slices} slice(s) from {Coils} coil(s) of {Rows}×{Columns} in {Milliseconds:F1} ms")]
    private static partial void LogReconstructed(ILogger logger, int recordId, int slices, int coils, int rows, int columns, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Record {RecordId}: {Images} image(s) stored, task {TaskId} FINISHED")]
    private static partial void LogFinished(ILogger logger, int recordId, Guid taskId, int images);

    [LoggerMessage(Level = LogLevel.Information, Message = "Record {RecordId}: upload {Generation} was replaced while it was reconstructed; its result was not kept")]
    private static partial void LogSuperseded(ILogger logger, int recordId, int generation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Record {RecordId}: raw data cannot be reconstructed: {Reason}")]
    private static partial void LogInvalid(ILogger logger, int recordId, string reason);
}
