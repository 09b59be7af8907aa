namespace Imaging.ResultsApi.Apis;

/// <summary>The worker's calls while it reconstructs (service role): started, progress, finished with its images, failed.</summary>
public static partial class WorkflowManagerApi
{
    private static async Task<Results<Ok<ReconstructionContext>, ProblemHttpResult>> StartedAsync([FromRoute(Name = "record_id")] string recordId, ReconstructionStarted payload, ResultsDbContext db, HttpContext http, TimeProvider time,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var (found, refused) = await FindRecordAsync(recordId, db, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        var record = found!.Record;
        var input = record.FileName is null ? null : ResultStorage.RecordInput(record.Id, record.FileName);
        if (input != payload.Input)
        {
            return Conflict("Stale job", $"The job is for '{payload.Input}', but record {record.Id} now holds '{input}'. Drop this job: a newer one follows.");
        }

        if (record.Status is RecordStatus.FINISHED or RecordStatus.ERROR)
        {
            // A redelivered or duplicated job: the record already has its outcome for this upload.
            return Conflict("Already done", $"Record {record.Id} is {record.Status} for upload {record.Generation}; there is nothing more to do for this job.");
        }

        var now = time.GetUtcNow();
        record.Status = RecordStatus.INPROGRESS;
        record.DatetimeUpdated = now;
        var task = await db.Tasks.Include(t => t.Workflow!).ThenInclude(w => w.Exam!).SingleAsync(t => t.Id == record.TaskId, ct);
        task.Status = ItemStatus.INPROGRESS;
        task.Progress = 0;
        task.StatusMessage = $"Reconstructing record {record.Id}";
        task.DatetimeUpdated = now;
        await db.SaveChangesAsync(ct);
        LogStarted(loggers.CreateLogger(typeof(WorkflowManagerApi)), record.Id, task.Id, record.Generation);
        var exam = task.Workflow!.Exam!;
        return TypedResults.Ok(new ReconstructionContext(record.Id, record.Generation, input!, record.ResultId!.Value, task.Id, task.Name, task.WorkflowId,
            exam.Id, exam.Name, exam.PatientId, exam.DatetimeCreated));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ProgressAsync([FromRoute(Name = "record_id")] string recordId, ReconstructionProgress payload, ResultsDbContext db, HttpContext http, TimeProvider time,
        ILoggerFactory loggers, CancellationToken ct)
    {
        // 100 is FINISHED's alone: a progress report never claims the work is done.
        if (payload.Percent is < 0 or > 99)
        {
            return ApiProblems.BadRequest("Invalid progress", $"percent is {payload.Percent}; give a whole number from 0 to 99 (FINISHED sets 100).");
        }

        var stage = payload.Stage?.Trim() ?? "";
        if (stage.Length is 0 or > 200)
        {
            return ApiProblems.BadRequest("Invalid stage", "Give the stage the reconstruction is at in 1 to 200 characters, such as 'reconstructing slice 2 of 4'.");
        }

        var (found, refused) = await FindRecordAsync(recordId, db, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        var record = found!.Record;
        if (payload.Generation != record.Generation || record.Status != RecordStatus.INPROGRESS)
        {
            return Conflict("Not in progress", $"Record {record.Id} is {record.Status} at upload {record.Generation}; a report for upload {payload.Generation} changes nothing.");
        }

        var now = time.GetUtcNow();
        var updated = await db.Tasks.Where(t => t.Id == record.TaskId && t.Status == ItemStatus.INPROGRESS)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.Progress, payload.Percent)
                .SetProperty(t => t.StatusMessage, $"Reconstructing record {record.Id}: {stage}")
                .SetProperty(t => t.DatetimeUpdated, now), ct);
        if (updated == 0)
        {
            return Conflict("Not in progress", $"The task of record {record.Id} is no longer in progress.");
        }

        LogProgress(loggers.CreateLogger(typeof(WorkflowManagerApi)), record.Id, record.TaskId, payload.Percent, stage);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<RecordOut>, ProblemHttpResult>> FinishedAsync([FromRoute(Name = "record_id")] string recordId, ReconstructionFinished payload, ResultsDbContext db, ResultStorage storage, HttpContext http,
        TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        var (found, refused) = await FindRecordAsync(recordId, db, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        var record = found!.Record;
        if (payload.Generation != record.Generation)
        {
            return Conflict("Stale job", $"The job reconstructed upload {payload.Generation}; record {record.Id} is at upload {record.Generation}. Drop this job: a newer one follows.");
        }

        var result = await db.Results.SingleAsync(r => r.Id == record.ResultId, ct);
        var missing = payload.Files.Where(f => ResultStorage.ValidateFileName(f) is not null
            || !File.Exists(storage.FilePath(found.WorkflowId, record.TaskId, result.Id, f))).ToList();
        if (payload.Files.Count == 0 || missing.Count > 0)
        {
            return ApiProblems.BadRequest("Files missing", $"The result does not hold: {string.Join(", ", missing.DefaultIfEmpty("(no files named)"))}. Upload them to the result first.");
        }

        var now = time.GetUtcNow();
        result.Type = ResultType.DICOM;
        result.Files = [.. payload.Files.Order(StringComparer.Ordinal)];
        record.Status = RecordStatus.FINISHED;
        record.StatusMessage = null;
        record.DatetimeUpdated = now;
        var task = await db.Tasks.SingleAsync(t => t.Id == record.TaskId, ct);
        task.Status = ItemStatus.FINISHED;
        task.Progress = 100;
        task.StatusMessage = $"Record {record.Id} reconstructed: {payload.Files.Count} image(s)";
        task.DatetimeUpdated = now;
        await db.SaveChangesAsync(ct);
        LogFinished(loggers.CreateLogger(typeof(WorkflowManagerApi)), record.Id, task.Id, payload.Files.Count);
        return TypedResults.Ok(RecordOut.From(record));
    }

    private static async Task<Results<Ok<RecordOut>, ProblemHttpResult>> FailedAsync([FromRoute(Name = "record_id")] string recordId, ReconstructionFailed payload, ResultsDbContext db, HttpContext http, TimeProvider time,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var (found, refused) = await FindRecordAsync(recordId, db, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        var record = found!.Record;
        if (payload.Generation != record.Generation)
        {
            return Conflict("Stale job", $"The job was for upload {payload.Generation}; record {record.Id} is at upload {record.Generation}. Drop this job: a newer one follows.");
        }

        var reason = string.IsNullOrWhiteSpace(payload.Reason) ? "The reconstruction failed." : payload.Reason.Trim();
        reason = reason.Clip(2000);
        var now = time.GetUtcNow();
        record.Status = RecordStatus.ERROR;
        record.StatusMessage = reason;
        record.DatetimeUpdated = now;
        var task = await db.Tasks.SingleAsync(t => t.Id == record.TaskId, ct);
        task.Status = ItemStatus.ERROR;
        task.StatusMessage = reason;
        task.DatetimeUpdated = now;
        await db.SaveChangesAsync(ct);
        LogFailed(loggers.CreateLogger(typeof(WorkflowManagerApi)), record.Id, task.Id, reason);
        return TypedResults.Ok(RecordOut.From(record));
    }
}
