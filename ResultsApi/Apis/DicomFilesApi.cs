using Imaging.ResultsApi.FileFront;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Net.Http.Headers;

namespace Imaging.ResultsApi.Apis;

/// <summary>
/// GET /api/v1/exam/dcm/{workflow_id}/{task_id}/{result_id}/{filename}: a Part-10 file is served as a file (Range,
/// If-Range, ETag, Last-Modified, 304); anything else is converted to Part-10 once and then served the same way.
/// Always application/dicom, inline, Cache-Control: no-transform (a proxy that compresses breaks Range offsets).
/// </summary>
public static class DicomFilesApi
{
    public static RouteGroupBuilder MapDicomFilesApi(this RouteGroupBuilder exam)
    {
        exam.MapGet("/dcm/{workflow_id}/{task_id}/{result_id}/{filename}", GetDicomAsync)
            .WithName("get_dicom").WithTags("results", "data")
            .WithSummary("Serve a DICOM instance of a result as Part-10, with HTTP Range.")
            .WithDescription("A Part-10 file is served as stored; any other DICOM dataset is converted to Part-10 once. Always inline, with "
                + "Cache-Control: no-transform (a proxy that compresses breaks Range offsets), ETag and Last-Modified.")
            .ProducesFile("application/dicom", "The instance as a DICOM Part-10 file.")
            .WithHeader("If-None-Match", "The ETag of a copy you hold: 304 while the file is unchanged.")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound,
                StatusCodes.Status422UnprocessableEntity);
        return exam;
    }

    private static async Task<Results<PhysicalFileHttpResult, AccelRedirectHttpResult, ProblemHttpResult>> GetDicomAsync([FromRoute(Name = "workflow_id")] string workflow, [FromRoute(Name = "task_id")] string task, [FromRoute(Name = "result_id")] string result, string filename,
        ResultsDbContext db, ResultStorage storage, FileFrontRedirect front, IMemoryCache cache, HttpContext http, CancellationToken ct)
    {
        // The name is checked before anything touches the disk.
        if (ResultStorage.ValidateFileName(filename) is { } badName)
        {
            return ApiProblems.BadRequest("Invalid file name", badName);
        }

        if (!ApiProblems.TryParseId(workflow, "workflow id", out var workflowId, out var problem)
            || !ApiProblems.TryParseId(task, "task id", out var taskId, out problem)
            || !ApiProblems.TryParseId(result, "result id", out var resultId, out problem))
        {
            return problem;
        }

        // A result's workflow, task and source never change, so the answer can be kept; a deleted result's file is gone anyway.
        var owner = await cache.GetOrCreateAsync($"result-owner:{resultId}:{taskId}:{workflowId}", async entry =>
        {
            var source = await db.Results.Where(r => r.Id == resultId && r.TaskId == taskId && r.Task!.WorkflowId == workflowId)
                .Select(r => (Guid?)r.Task!.Workflow!.Exam!.SourceId).SingleOrDefaultAsync(ct);
            entry.AbsoluteExpirationRelativeToNow = source is null ? TimeSpan.FromSeconds(1) : TimeSpan.FromMinutes(10);
            entry.Size = 1;
            return source;
        });
        if (ApiProblems.Refusal(owner, CurrentUser.From(http.User), "result", resultId) is { } refused)
        {
            return refused;
        }

        var path = storage.FilePath(workflowId, taskId, resultId, filename);
        string servable;
        try
        {
            // Opening the file for its Part-10 header is also the existence check: no separate stat on this hot path.
            servable = storage.Part10PathFor(path);
        }
        catch (Exception missing) when (missing is FileNotFoundException or DirectoryNotFoundException)
        {
            return TypedResults.Problem(title: "File not found", detail: $"Result {resultId} has no file '{filename}'; its files are listed by GET /api/v1/exam/result/{resultId}.", statusCode: StatusCodes.Status404NotFound);
        }
        catch (DicomFormatException error)
        {
            return TypedResults.Problem(title: "Not DICOM", detail: $"'{filename}' is neither a Part-10 file nor a DICOM dataset: {error.Message}. Upload it again as DICOM.",
                statusCode: StatusCodes.Status422UnprocessableEntity);
        }

        http.Response.Headers.CacheControl = "no-transform";
        http.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("inline") { FileName = filename }.ToString();
        if (front.For(http.Request, servable, "application/dicom") is { } redirect)
        {
            return redirect;
        }

        var info = new FileInfo(servable);
        var etag = new EntityTagHeaderValue($"\"{info.Length:x}-{info.LastWriteTimeUtc.Ticks:x}\"");
        PipeFileSender.Install(http);
        return TypedResults.PhysicalFile(servable, "application/dicom", lastModified: info.LastWriteTimeUtc, entityTag: etag, enableRangeProcessing: true);
    }
}
