using System.Globalization;
using System.Text.Json;
using Imaging.Contracts;
using Imaging.Contracts.RawData;
using Imaging.Dicom;
using Imaging.ResultsApi.Auth;
using Imaging.ResultsApi.Data;
using Imaging.ResultsApi.Messaging;
using Imaging.ResultsApi.OpenApi;
using Imaging.ResultsApi.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;

namespace Imaging.ResultsApi.Apis;

/// <summary>
/// The workflow manager (/api/v1/workflow): workflow definitions; raw-data records whose upload queues a RecoJob
/// through the outbox; the reconstructed DICOM as download and as streamed image; and the calls the worker makes
/// while it reconstructs (service role only).
/// </summary>
public static class WorkflowManagerApi
{
    public static RouteGroupBuilder MapWorkflowManagerApi(this RouteGroupBuilder workflow)
    {
        workflow.WithTags("workflow");
        // Routing ignores a trailing slash, so the seed's "/meta/" and "/upload/{record_id}/" also answer without one.
        const int BadRequest = StatusCodes.Status400BadRequest, Forbidden = StatusCodes.Status403Forbidden, NotFound = StatusCodes.Status404NotFound;
        const int Conflict = StatusCodes.Status409Conflict;
        workflow.MapPost("/", CreateAsync).WithName("create_workflow").WithSummary("Create a workflow definition.")
            .WithDescription("400 when the payload is invalid; 404 'Creation unsuccessful' (as the seed raises) when the database will not keep it.")
            .Produces<WorkflowDefinitionOut>(StatusCodes.Status201Created).ProducesProblems(BadRequest, NotFound).WithRequestExample(DefinitionExample);
        workflow.MapGet("/", ListAsync).WithName("get_workflow_list").WithSummary("All workflow definitions of your source.")
            .Produces<List<WorkflowDefinitionOut>>();
        workflow.MapGet("/meta/", MetaListAsync).WithName("get_workflow_meta_list").WithSummary("Id, name, description, version and author of every definition.")
            .Produces<List<WorkflowMetaOut>>();
        workflow.MapGet("/{workflow_id}", GetAsync).WithName("get_workflow").WithSummary("Get a workflow definition.")
            .Produces<WorkflowDefinitionOut>().ProducesProblems(BadRequest, Forbidden, NotFound);
        workflow.MapPut("/{workflow_id}/", UpdateAsync).WithName("update_workflow").WithSummary("Update a workflow definition.")
            .Produces<WorkflowDefinitionOut>().ProducesProblems(BadRequest, Forbidden, NotFound).WithRequestExample(DefinitionExample);
        workflow.MapDelete("/{workflow_id}", DeleteAsync).WithName("delete_workflow").WithSummary("Delete a workflow definition.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblems(BadRequest, Forbidden, NotFound);

        workflow.MapPost("/record", CreateRecordAsync).WithName("create_record").WithSummary("Create a raw-data record for a task.")
            .Produces<RecordOut>(StatusCodes.Status201Created).ProducesProblems(BadRequest, Forbidden)
            .WithRequestExample("""{"task_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}""");
        workflow.MapGet("/record/{record_id}", GetRecordAsync).WithName("get_record").WithSummary("A record and the state of its reconstruction.")
            .Produces<RecordOut>().ProducesProblems(BadRequest, Forbidden, NotFound);
        workflow.MapPost("/upload/{record_id}/", UploadAsync).WithName("upload_result").DisableAntiforgery().AcceptsUpload()
            .WithSummary("Upload a record's raw data (.npy complex k-space, multipart field 'file') and queue its reconstruction.")
            .WithDescription("The .npy holds complex64 or complex128 k-space. Each upload starts a new reconstruction of the record; "
                + "GET /api/v1/workflow/record/{record_id} tells its state.")
            .AcceptsForm("The raw data in the field 'file'.", "file")
            .Produces<Dictionary<string, string>>()
            .WithResponseExample(StatusCodes.Status200OK, """{"message": "Successfully uploaded kspace.npy"}""")
            .ProducesProblems(BadRequest, Forbidden, NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status422UnprocessableEntity);
        workflow.MapGet("/download/{record_id}/", DownloadAsync).WithName("download_result").WithSummary("Download the reconstructed DICOM.")
            .WithDescription("One DICOM Part-10 file (Range supported): the MR image of a single slice, or an Enhanced MR image with one frame per slice.")
            .ProducesFile("application/dicom", "The reconstructed image as a DICOM Part-10 file.")
            .ProducesProblems(BadRequest, Forbidden, NotFound);
        workflow.MapGet("/image/{record_id}/", ImageAsync).WithName("get_image_file")
            .WithSummary("Stream one reconstructed image (instance, 1-based; Range supported).")
            .ProducesFile("application/dicom", "The instance as a DICOM Part-10 file.")
            .ProducesProblems(BadRequest, Forbidden, NotFound);

        var worker = workflow.MapGroup("/record/{record_id}").RequireAuthorization(policy => policy.RequireRole(Roles.Service)).WithTags("worker");
        worker.MapGet("/raw", RawDataAsync).WithName("get_record_raw_data").WithSummary("The record's raw data, for the worker.")
            .ProducesFile("application/octet-stream", "The .npy file as uploaded.").ProducesProblems(BadRequest, NotFound);
        worker.MapPost("/started", StartedAsync).WithName("reconstruction_started").WithSummary("The worker took the job: task INPROGRESS.")
            .Produces<ReconstructionContext>().ProducesProblems(BadRequest, NotFound, Conflict)
            .WithRequestExample("""{"input": "records/12/kspace.npy"}""");
        worker.MapPost("/progress", ProgressAsync).WithName("reconstruction_progress")
            .WithSummary("How far the reconstruction is: the task's progress (percent) and status message (stage).")
            .Produces(StatusCodes.Status204NoContent).ProducesProblems(BadRequest, NotFound, Conflict)
            .WithRequestExample("""{"generation": 1, "percent": 45, "stage": "reconstructing slice 2 of 4"}""");
        worker.MapPost("/finished", FinishedAsync).WithName("reconstruction_finished").WithSummary("The series is uploaded: result DICOM, task FINISHED.")
            .Produces<RecordOut>().ProducesProblems(BadRequest, NotFound, Conflict)
            .WithRequestExample("""{"generation": 1, "files": ["image-001.dcm"]}""");
        worker.MapPost("/failed", FailedAsync).WithName("reconstruction_failed").WithSummary("The job failed for good: task ERROR with the reason.")
            .Produces<RecordOut>().ProducesProblems(BadRequest, NotFound, Conflict)
            .WithRequestExample("""{"generation": 1, "reason": "The k-space is not two-dimensional."}""");
        return workflow;
    }

    private const string DefinitionExample = """{"name": "cartesian", "description": "2D Cartesian reconstruction", "version": "1", "author": "imaging", "definition": {"steps": ["fft"]}}""";

    private static async Task<IResult> CreateAsync(WorkflowDefinitionIn payload, ResultsDbContext db, HttpContext http, TimeProvider time,
        IOptions<StorageOptions> limits, CancellationToken ct)
    {
        if (Validate(payload, limits.Value.MaxJsonDepth) is { } invalid)
        {
            return invalid;
        }

        var definition = new WorkflowDefinition
        {
            SourceId = CurrentUser.From(http.User).SourceId,
            Name = payload.Name,
            Version = payload.Version,
            DatetimeCreated = time.GetUtcNow(),
        };
        Apply(definition, payload);
        db.WorkflowDefinitions.Add(definition);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException refused) when (refused.InnerException is Npgsql.PostgresException)
        {
            // Valid JSON the database still will not keep (a \u0000 in the definition, a NUL in a name): the seed's 404.
            return TypedResults.Problem(title: "Creation unsuccessful", statusCode: StatusCodes.Status404NotFound,
                detail: $"The database refused the workflow ({((Npgsql.PostgresException)refused.InnerException).MessageText}); nothing was created. Remove NUL characters (\\u0000) from the name and definition.");
        }

        return TypedResults.Created($"/api/v1/workflow/{definition.Id}", WorkflowDefinitionOut.From(definition));
    }

    private static async Task<IResult> ListAsync(ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var source = CurrentUser.From(http.User).SourceId;
        var items = await db.WorkflowDefinitions.AsNoTracking().Where(w => w.SourceId == source).OrderBy(w => w.Id).ToListAsync(ct);
        return TypedResults.Ok(items.Select(WorkflowDefinitionOut.From).ToList());
    }

    private static async Task<IResult> MetaListAsync(ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var source = CurrentUser.From(http.User).SourceId;
        var items = await db.WorkflowDefinitions.AsNoTracking().Where(w => w.SourceId == source).OrderBy(w => w.Id)
            .Select(w => new WorkflowMetaOut(w.Id, w.Name, w.Description, w.Version, w.Author)).ToListAsync(ct);
        return TypedResults.Ok(items);
    }

    private static async Task<IResult> GetAsync(string workflow_id, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var (definition, refused) = await FindDefinitionAsync(workflow_id, db, http, ct);
        return refused ?? TypedResults.Ok(WorkflowDefinitionOut.From(definition!));
    }

    private static async Task<IResult> UpdateAsync(string workflow_id, WorkflowDefinitionIn payload, ResultsDbContext db, HttpContext http, TimeProvider time,
        IOptions<StorageOptions> limits, CancellationToken ct)
    {
        var (definition, refused) = await FindDefinitionAsync(workflow_id, db, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        if (Validate(payload, limits.Value.MaxJsonDepth) is { } invalid)
        {
            return invalid;
        }

        Apply(definition!, payload);
        definition!.DatetimeUpdated = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(WorkflowDefinitionOut.From(definition));
    }

    private static async Task<IResult> DeleteAsync(string workflow_id, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var (definition, refused) = await FindDefinitionAsync(workflow_id, db, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        db.WorkflowDefinitions.Remove(definition!);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> CreateRecordAsync(RecordIn payload, ResultsDbContext db, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var task = await db.Tasks.Where(t => t.Id == payload.TaskId).Select(t => new { t.IsTemplate, t.Workflow!.Exam!.SourceId }).SingleOrDefaultAsync(ct);
        if (task is null)
        {
            return ApiProblems.BadRequest("Unknown task", $"There is no task {payload.TaskId} to hold the record; check task_id, or create the task first.");
        }

        if (ApiProblems.Check(task.SourceId, CurrentUser.From(http.User), "task", payload.TaskId) is { } refused)
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

    private static async Task<IResult> GetRecordAsync(string record_id, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var (record, refused) = await FindRecordAsync(record_id, db, http, ct);
        return refused ?? TypedResults.Ok(RecordOut.From(record!.Record));
    }

    private static async Task<IResult> UploadAsync(string record_id, HttpRequest request, ResultsDbContext db, ResultStorage storage, Outbox outbox,
        IOptions<StorageOptions> storageOptions, TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        var (found, refused) = await FindRecordAsync(record_id, db, request.HttpContext, ct);
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

    private static async Task<IResult> DownloadAsync(string record_id, ResultsDbContext db, ResultStorage storage, HttpContext http, CancellationToken ct)
    {
        var (files, refused) = await FinishedFilesAsync(record_id, db, storage, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        if (files!.Count == 1)
        {
            return TypedResults.PhysicalFile(files[0], "application/dicom", $"record-{record_id}.dcm", enableRangeProcessing: true);
        }

        // Several slices: one file, as the seed's FileResponse, an Enhanced MR image with a frame per slice (made from
        // the stored slices, the same bytes every time; get_image_file keeps serving the slices one by one).
        var slices = files.Select(file => DicomReader.ReadFile(file).Dataset).ToList();
        using var buffer = new MemoryStream();
        DicomFile.Create(EnhancedMRImages.FromSingleFrames(slices)).Save(buffer);
        return TypedResults.File(buffer.ToArray(), "application/dicom", $"record-{record_id}.dcm", enableRangeProcessing: true);
    }

    private static async Task<IResult> ImageAsync(string record_id, int? instance, ResultsDbContext db, ResultStorage storage, HttpContext http, CancellationToken ct)
    {
        var (files, refused) = await FinishedFilesAsync(record_id, db, storage, http, ct);
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

    private static async Task<IResult> RawDataAsync(string record_id, ResultsDbContext db, ResultStorage storage, HttpContext http, CancellationToken ct)
    {
        var (found, refused) = await FindRecordAsync(record_id, db, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        var record = found!.Record;
        return record.FileName is null
            ? TypedResults.Problem(title: "No raw data", detail: $"Record {record.Id} has no raw data yet; it is uploaded with POST /api/v1/workflow/upload/{record.Id}/.", statusCode: StatusCodes.Status404NotFound)
            : TypedResults.PhysicalFile(storage.RecordPath(record.Id, record.FileName), "application/octet-stream", enableRangeProcessing: true);
    }

    private static async Task<IResult> StartedAsync(string record_id, ReconstructionStarted payload, ResultsDbContext db, HttpContext http, TimeProvider time,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var (found, refused) = await FindRecordAsync(record_id, db, http, ct);
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

    private static async Task<IResult> ProgressAsync(string record_id, ReconstructionProgress payload, ResultsDbContext db, HttpContext http, TimeProvider time,
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

        var (found, refused) = await FindRecordAsync(record_id, db, http, ct);
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

    private static async Task<IResult> FinishedAsync(string record_id, ReconstructionFinished payload, ResultsDbContext db, ResultStorage storage, HttpContext http,
        TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        var (found, refused) = await FindRecordAsync(record_id, db, http, ct);
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

    private static async Task<IResult> FailedAsync(string record_id, ReconstructionFailed payload, ResultsDbContext db, HttpContext http, TimeProvider time,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var (found, refused) = await FindRecordAsync(record_id, db, http, ct);
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
        reason = reason.Length > 2000 ? reason[..2000] : reason;
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

    private static async Task<(List<string>? Files, IResult? Refusal)> FinishedFilesAsync(string recordIdText, ResultsDbContext db, ResultStorage storage,
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

    private static async Task<(OwnedRecord? Record, IResult? Refusal)> FindRecordAsync(string idText, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        if (!ApiProblems.TryParseNumber(idText, "record id", out var id, out var problem))
        {
            return (null, problem);
        }

        var found = await db.Records.Where(r => r.Id == id)
            .Select(r => new { Record = r, r.Task!.WorkflowId, r.Task.Workflow!.Exam!.SourceId }).SingleOrDefaultAsync(ct);
        var refused = found is null
            ? TypedResults.Problem(title: "Record not found", detail: $"There is no record {id}; check the id.", statusCode: StatusCodes.Status404NotFound)
            : ApiProblems.Check(found.SourceId, CurrentUser.From(http.User), "record", Guid.Empty);
        return refused is null ? (new OwnedRecord(found!.Record, found.WorkflowId), null) : (null, refused);
    }

    private static async Task<(WorkflowDefinition? Definition, IResult? Refusal)> FindDefinitionAsync(string idText, ResultsDbContext db, HttpContext http,
        CancellationToken ct)
    {
        if (!ApiProblems.TryParseNumber(idText, "workflow id", out var id, out var problem))
        {
            return (null, problem);
        }

        var definition = await db.WorkflowDefinitions.SingleOrDefaultAsync(w => w.Id == id, ct);
        var refused = definition is null
            ? TypedResults.Problem(title: "Workflow not found", detail: $"There is no workflow {id}; GET /api/v1/workflow/ lists yours.", statusCode: StatusCodes.Status404NotFound)
            : ApiProblems.Check(definition.SourceId, CurrentUser.From(http.User), "workflow", Guid.Empty);
        return refused is null ? (definition, null) : (null, refused);
    }

    private static IResult? Validate(WorkflowDefinitionIn payload, int maxJsonDepth)
    {
        if (InputLimits.CheckNesting(payload.Definition, "The definition", maxJsonDepth) is { } tooDeep)
        {
            return ApiProblems.BadRequest("JSON too deep", tooDeep);
        }

        if (string.IsNullOrWhiteSpace(payload.Name) || payload.Name.Length > 200)
        {
            return ApiProblems.BadRequest("Invalid name", "A workflow needs a name: send one of 1 to 200 characters.");
        }

        if (string.IsNullOrWhiteSpace(payload.Version) || payload.Version.Length > 50)
        {
            return ApiProblems.BadRequest("Invalid version", "A workflow needs a version: send one of 1 to 50 characters.");
        }

        return payload.Definition is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Undefined or JsonValueKind.Null) }
            ? ApiProblems.BadRequest("Invalid definition", "Send the definition as a JSON object or array.")
            : null;
    }

    private static void Apply(WorkflowDefinition definition, WorkflowDefinitionIn payload)
    {
        definition.Name = payload.Name.Trim();
        definition.Description = payload.Description;
        definition.Version = payload.Version.Trim();
        definition.Author = payload.Author;
        definition.Definition = payload.Definition is { ValueKind: JsonValueKind.Object or JsonValueKind.Array } json ? json.GetRawText() : "{}";
    }

    private static IResult Conflict(string title, string detail) => TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status409Conflict);

    // The trace id is in the text as well as the scope, so a console line can be matched to its trace by eye.
    private static string? TraceId => System.Diagnostics.Activity.Current?.TraceId.ToHexString();

    private static void LogQueued(ILogger logger, int recordId, Guid taskId, int generation, string? shape) =>
        logger.LogInformation("Record {RecordId} of task {TaskId}: upload {Generation} of shape ({Shape}) stored, RecoJob queued (trace {TraceId})",
            recordId, taskId, generation, shape, TraceId);

    private static void LogStarted(ILogger logger, int recordId, Guid taskId, int generation) =>
        logger.LogInformation("Record {RecordId} of task {TaskId}: reconstruction of upload {Generation} started (trace {TraceId})", recordId, taskId, generation, TraceId);

    private static void LogProgress(ILogger logger, int recordId, Guid taskId, int percent, string stage) =>
        logger.LogInformation("Record {RecordId} of task {TaskId}: {Percent}% ({Stage})", recordId, taskId, percent, stage);

    private static void LogFinished(ILogger logger, int recordId, Guid taskId, int images) =>
        logger.LogInformation("Record {RecordId} of task {TaskId}: reconstructed into {Images} image(s), task FINISHED (trace {TraceId})", recordId, taskId, images, TraceId);

    private static void LogFailed(ILogger logger, int recordId, Guid taskId, string reason) =>
        logger.LogWarning("Record {RecordId} of task {TaskId}: reconstruction failed, task ERROR: {Reason}", recordId, taskId, reason);
}
