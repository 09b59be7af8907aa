namespace Imaging.ResultsApi.Apis;

/// <summary>
/// The workflow manager (/api/v1/workflow): workflow definitions; raw-data records whose upload queues a RecoJob
/// through the outbox; the reconstructed DICOM as download and as streamed image; and the calls the worker makes
/// while it reconstructs (service role only).
/// </summary>
public static partial class WorkflowManagerApi
{
    public static RouteGroupBuilder MapWorkflowManagerApi(this RouteGroupBuilder workflow)
    {
        workflow.WithTags("workflow");
        // Routing ignores a trailing slash, so the seed's "/meta/" and "/upload/{record_id}/" also answer without one.
        const int BadRequest = StatusCodes.Status400BadRequest, Forbidden = StatusCodes.Status403Forbidden, NotFound = StatusCodes.Status404NotFound;
        const int Conflict = StatusCodes.Status409Conflict;
        workflow.MapPost("/", CreateAsync).WithName("create_workflow").WithSummary("Create a workflow definition.")
            .WithDescription("400 when the payload is invalid; 404 'Creation unsuccessful' (as the seed raises) when the database will not keep it.")
            .ProducesProblems(BadRequest, NotFound).WithRequestExample(DefinitionExample);
        workflow.MapGet("/", ListAsync).WithName("get_workflow_list").WithSummary("All workflow definitions of your source.");
        workflow.MapGet("/meta/", MetaListAsync).WithName("get_workflow_meta_list").WithSummary("Id, name, description, version and author of every definition.");
        workflow.MapGet("/{workflow_id}", GetAsync).WithName("get_workflow").WithSummary("Get a workflow definition.")
            .ProducesProblems(BadRequest, Forbidden, NotFound);
        workflow.MapPut("/{workflow_id}/", UpdateAsync).WithName("update_workflow").WithSummary("Update a workflow definition.")
            .ProducesProblems(BadRequest, Forbidden, NotFound).WithRequestExample(DefinitionExample);
        workflow.MapDelete("/{workflow_id}", DeleteAsync).WithName("delete_workflow").WithSummary("Delete a workflow definition.")
            .ProducesProblems(BadRequest, Forbidden, NotFound);

        workflow.MapPost("/record", CreateRecordAsync).WithName("create_record").WithSummary("Create a raw-data record for a task.")
            .ProducesProblems(BadRequest, Forbidden)
            .WithRequestExample("""{"task_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}""");
        workflow.MapGet("/record/{record_id}", GetRecordAsync).WithName("get_record").WithSummary("A record and the state of its reconstruction.")
            .ProducesProblems(BadRequest, Forbidden, NotFound);
        workflow.MapPost("/upload/{record_id}/", UploadAsync).WithName("upload_result").DisableAntiforgery().AcceptsUpload()
            .WithSummary("Upload a record's raw data (.npy complex k-space, multipart field 'file') and queue its reconstruction.")
            .WithDescription("The .npy holds complex64 or complex128 k-space. Each upload starts a new reconstruction of the record; "
                + "GET /api/v1/workflow/record/{record_id} tells its state.")
            .AcceptsForm("The raw data in the field 'file'.", "file")
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
            .ProducesProblems(BadRequest, NotFound, Conflict)
            .WithRequestExample("""{"input": "records/12/kspace.npy"}""");
        worker.MapPost("/progress", ProgressAsync).WithName("reconstruction_progress")
            .WithSummary("How far the reconstruction is: the task's progress (percent) and status message (stage).")
            .ProducesProblems(BadRequest, NotFound, Conflict)
            .WithRequestExample("""{"generation": 1, "percent": 45, "stage": "reconstructing slice 2 of 4"}""");
        worker.MapPost("/finished", FinishedAsync).WithName("reconstruction_finished").WithSummary("The series is uploaded: result DICOM, task FINISHED.")
            .ProducesProblems(BadRequest, NotFound, Conflict)
            .WithRequestExample("""{"generation": 1, "files": ["image-001.dcm"]}""");
        worker.MapPost("/failed", FailedAsync).WithName("reconstruction_failed").WithSummary("The job failed for good: task ERROR with the reason.")
            .ProducesProblems(BadRequest, NotFound, Conflict)
            .WithRequestExample("""{"generation": 1, "reason": "The k-space is not two-dimensional."}""");
        return workflow;
    }

    private static ProblemHttpResult Conflict(string title, string detail) => TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status409Conflict);

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
