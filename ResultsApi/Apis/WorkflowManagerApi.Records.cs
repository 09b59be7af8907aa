using Imaging.Contracts.RawData;
using Microsoft.Net.Http.Headers;

namespace Imaging.ResultsApi.Apis;

/// <summary>Raw-data records: created, their upload queueing a RecoJob through the outbox, and the reconstructed DICOM as download and as streamed image.</summary>
public static partial class WorkflowManagerApi
{
    private static async Task<Results<Created<RecordOut>, ProblemHttpResult>> CreateRecordAsync(RecordIn payload, ResultsDbContext db, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var task = await db.Tasks.Where(t => t.Id == payload.TaskId).Select(t => new { t.IsTemplate, t.Workflow!.Exam!.SourceId }).SingleOrDefaultAsync(ct);
        if (task is null)
        {
            return ApiProblems.BadRequest("Unknown task", $"There is no task {payload.TaskId} to hold the record; check task_id, or create the task first.");
        }

        if (ApiProblems.Refusal(task.SourceId, CurrentUser.From(http.User), "task", payload.TaskId) is { } refused)
        {
            return refused;
        }

        if (task.IsTemplate)
        {
            return ApiProblems.BadRequest("Template task", "A record belongs to a task of an exam, not to a template; create the record for such a task.");
        }

        var record = new RawDataRecord { TaskId = payload.TaskId, Status = RecordStatus.NEW, DatetimeCreated = time.GetUtcNow() };
        db.Records.Add(record);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/workflow/record/{record.Id}", RecordOut.From(record));
    }

    private static async Task<Results<Ok<RecordOut>, ProblemHttpResult>> GetRecordAsync([FromRoute(Name = "record_id")] string recordId, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var (record, refused) = await FindRecordAsync(recordId, db, http, ct);
        return refused is not null ? refused : TypedResults.Ok(RecordOut.From(record!.Record));
    }

    private static async Task<Results<Ok<Dictionary<string, string>>, ProblemHttpResult>> UploadAsync([FromRoute(Name = "record_id")] string recordId, HttpRequest request, ResultsDbContext db, ResultStorage storage, Outbox outbox,
        IOptions<StorageOptions> storageOptions, TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        var (found, refused) = await FindRecordAsync(recordId, db, request.HttpContext, ct);
        if (refused is not null)
        {
            return refused;
        }

        if (!request.HasFormContentType)
        {
            return ApiProblems.BadRequest("Not a form", "Send the raw data as multipart/form-data with the file in the field 'file'.");
        }

        var (form, unreadable) = await ApiProblems.ReadFormAsync(request, storageOptions.Value.MaxUploadBytes, ct);
        if (unreadable is not null)
        {
            return unreadable;
        }

        if (form!.Files.GetFile("file") is not { } file)
        {
            return ApiProblems.BadRequest("No file", "The form has no field 'file'; put the .npy raw data in the field 'file'.");
        }

        if (ResultStorage.ValidateFileName(file.FileName) is { } badName)
        {
            return ApiProblems.BadRequest("Invalid file name", badName);
        }

        var record = found!.Record;
        string staged;
        StoredFile stored;
        try
        {
            await using var content = file.OpenReadStream();
            (staged, stored) = await storage.StageRecordAsync(record.Id, file.FileName, content, ct);
        }
        catch (UploadTooLargeException tooLarge)
        {
            return TypedResults.Problem(title: "Upload too large", detail: tooLarge.Message, statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        NpyHeader header;
        try
        {
            var start = new byte[Math.Min(stored.Size, 64 * 1024 + 12)];
            await using (var read = File.OpenRead(staged))
            {
                await read.ReadExactlyAsync(start, ct);
            }

            header = NpyHeader.Parse(start, stored.Size, storageOptions.Value.MaxRawDataValues);
        }
        catch (RawDataException invalid)
        {
            File.Delete(staged);
            return TypedResults.Problem(title: "Not reconstructable raw data", detail: invalid.Message, statusCode: StatusCodes.Status422UnprocessableEntity);
        }

        var now = time.GetUtcNow();
        if (record.ResultId is null)
        {
            var result = new Result { Id = Guid.NewGuid(), TaskId = record.TaskId, Type = ResultType.DICOM, DatetimeCreated = now };
            result.Directory = $"{found.WorkflowId}/{record.TaskId}/{result.Id}";
            db.Results.Add(result);
            record.ResultId = result.Id;
        }

        record.FileName = file.FileName;
        record.FileSize = stored.Size;
        record.Sha256 = stored.Sha256;
        record.Shape = string.Join(",", header.Shape);
        record.Dtype = header.BytesPerValue == 8 ? "complex64" : "complex128";
        record.Status = RecordStatus.QUEUED;
        record.StatusMessage = null;
        record.Generation++;
        record.DatetimeUpdated = now;
        outbox.Add(db, new RecoJob(record.Id, ResultStorage.RecordInput(record.Id, file.FileName)));

        // The file goes in place first: a committed job always finds its input; a failed commit leaves an unreferenced file the next upload replaces.
        storage.CommitRecord(staged, record.Id, file.FileName);
        await db.SaveChangesAsync(ct);
        LogQueued(loggers.CreateLogger(typeof(WorkflowManagerApi)), record.Id, record.TaskId, record.Generation, record.Shape);
        return TypedResults.Ok(new Dictionary<string, string> { ["message"] = $"Successfully uploaded {file.FileName}" });
    }

    private static async Task<Results<PhysicalFileHttpResult, FileContentHttpResult, ProblemHttpResult>> DownloadAsync([FromRoute(Name = "record_id")] string recordId, ResultsDbContext db, ResultStorage storage, HttpContext http, CancellationToken ct)
    {
        var (files, refused) = await FinishedFilesAsync(recordId, db, storage, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        if (files!.Count == 1)
        {
            return TypedResults.PhysicalFile(files[0], "application/dicom", $"record-{recordId}.dcm", enableRangeProcessing: true);
        }

        // Several slices: one file, as the seed's FileResponse, an Enhanced MR image with a frame per slice (made from
        // the stored slices, the same bytes every time; get_image_file keeps serving the slices one by one).
        var slices = files.Select(file => DicomReader.ReadFile(file).Dataset).ToList();
        using var buffer = new MemoryStream();
        DicomFile.Create(EnhancedMRImages.FromSingleFrames(slices)).Save(buffer);
        return TypedResults.File(buffer.ToArray(), "application/dicom", $"record-{recordId}.dcm", enableRangeProcessing: true);
    }

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> ImageAsync([FromRoute(Name = "record_id")] string recordId, int? instance, ResultsDbContext db, ResultStorage storage, HttpContext http, CancellationToken ct)
    {
        var (files, refused) = await FinishedFilesAsync(recordId, db, storage, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        var number = instance ?? 1;
        if (number < 1 || number > files!.Count)
        {
            return TypedResults.Problem(title: "No such instance", detail: $"The record's series has instances 1 to {files!.Count}, not {number}; ask for one in that range.",
                statusCode: StatusCodes.Status404NotFound);
        }

        http.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("inline") { FileName = Path.GetFileName(files[number - 1]) }.ToString();
        PipeFileSender.Install(http);
        return TypedResults.PhysicalFile(files[number - 1], "application/dicom", enableRangeProcessing: true);
    }

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> RawDataAsync([FromRoute(Name = "record_id")] string recordId, ResultsDbContext db, ResultStorage storage, HttpContext http, CancellationToken ct)
    {
        var (found, refused) = await FindRecordAsync(recordId, db, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        var record = found!.Record;
        if (record.FileName is null)
        {
            return TypedResults.Problem(title: "No raw data", detail: $"Record {record.Id} has no raw data yet; it is uploaded with POST /api/v1/workflow/upload/{record.Id}/.",
                statusCode: StatusCodes.Status404NotFound);
        }

        return TypedResults.PhysicalFile(storage.RecordPath(record.Id, record.FileName), "application/octet-stream", enableRangeProcessing: true);
    }

    private static async Task<(List<string>? Files, ProblemHttpResult? Refusal)> FinishedFilesAsync(string recordIdText, ResultsDbContext db, ResultStorage storage,
        HttpContext http, CancellationToken ct)
    {
        var (found, refused) = await FindRecordAsync(recordIdText, db, http, ct);
        if (refused is not null)
        {
            return (null, refused);
        }

        var record = found!.Record;
        if (record.Status != RecordStatus.FINISHED || record.ResultId is not { } resultId)
        {
            return (null, TypedResults.Problem(title: "No result yet", detail: $"Record {record.Id} is {record.Status}{(record.StatusMessage is { } m ? $": {m}" : "")}. Ask again once GET /api/v1/workflow/record/{record.Id} says FINISHED.",
                statusCode: StatusCodes.Status404NotFound));
        }

        var files = await db.Results.Where(r => r.Id == resultId).Select(r => r.Files).SingleAsync(ct);
        return ([.. files.Select(f => storage.FilePath(found.WorkflowId, record.TaskId, resultId, f))], null);
    }

    private sealed record OwnedRecord(RawDataRecord Record, Guid WorkflowId);

    private static async Task<(OwnedRecord? Record, ProblemHttpResult? Refusal)> FindRecordAsync(string idText, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        if (!ApiProblems.TryParseNumber(idText, "record id", out var id, out var problem))
        {
            return (null, problem);
        }

        var found = await db.Records.Where(r => r.Id == id)
            .Select(r => new { Record = r, r.Task!.WorkflowId, r.Task.Workflow!.Exam!.SourceId }).SingleOrDefaultAsync(ct);
        var refused = found is null
            ? TypedResults.Problem(title: "Record not found", detail: $"There is no record {id}; check the id.", statusCode: StatusCodes.Status404NotFound)
            : ApiProblems.Refusal(found.SourceId, CurrentUser.From(http.User), "record", Guid.Empty);
        return refused is null ? (new OwnedRecord(found!.Record, found.WorkflowId), null) : (null, refused);
    }
}
