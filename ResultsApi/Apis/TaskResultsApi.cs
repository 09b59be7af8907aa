using System.Text.Json.Nodes;

namespace Imaging.ResultsApi.Apis;

/// <summary>Task results, exactly the source platform's operations: create blank, get, list per task, delete, set; plus file upload.</summary>
public static class TaskResultsApi
{
    public static RouteGroupBuilder MapTaskResultsApi(this RouteGroupBuilder exam)
    {
        const int BadRequest = StatusCodes.Status400BadRequest, Forbidden = StatusCodes.Status403Forbidden, NotFound = StatusCodes.Status404NotFound;
        var results = exam.MapGroup("/result").WithTags("results");
        results.MapPost("", CreateBlankAsync).WithName("create_blank_result").WithSummary("Create a blank result for a task (task_id as query parameter).")
            .WithDescription("The parent task must exist and be the caller's source's (404 'Creation unsuccessful' otherwise, as the seed raises) "
                + "and must not be a template (400).")
            .ProducesProblems(BadRequest, NotFound);
        results.MapGet("/{result_id}", GetAsync).WithName("get_result").WithSummary("Get a result.")
            .ProducesProblems(BadRequest, Forbidden, NotFound);
        results.MapGet("/all/{task_id}", ListAsync).WithName("get_all_task_results").WithSummary("All results of a task, oldest first.")
            .WithDescription("A task that does not exist, or that the caller may not see, has no results: 200 with an empty list, as the seed answers.")
            .ProducesProblems(BadRequest);
        results.MapDelete("/{result_id}", DeleteAsync).WithName("delete_result").WithSummary("Delete a result and its files.")
            .ProducesProblems(BadRequest, Forbidden, NotFound);
        results.MapPut("/{result_id}", SetAsync).WithName("set_result").WithSummary("Update the fields of a result the payload carries (type, directory, files, meta).")
            .WithDescription("A field left out (or null) keeps its value, as the seed's set_result updates only the fields given.")
            .ProducesProblems(BadRequest, Forbidden, NotFound)
            .WithRequestExample("""{"type": "DICOM", "directory": "", "files": ["image-001.dcm"], "meta": {"protocol": "t1_se"}}""");
        results.MapPost("/{result_id}/files", UploadMultipartAsync).WithName("upload_result_files").DisableAntiforgery().AcceptsUpload()
            .WithSummary("Upload one or more files into a result (multipart form).")
            .WithDescription("Each file is stored under its own name (a name again replaces the file) and recorded in the result's files and meta.files.")
            .AcceptsForm("Any number of file fields; each file keeps its file name.", "files[]")
            .ProducesProblems(BadRequest, Forbidden, NotFound, StatusCodes.Status413PayloadTooLarge);
        results.MapPut("/{result_id}/files/{filename}", UploadRawAsync).WithName("put_result_file").AcceptsUpload()
            .WithSummary("Upload one file into a result (raw body).")
            .AcceptsRaw("application/octet-stream", "The file's bytes, as they are.")
            .ProducesProblems(BadRequest, Forbidden, NotFound, StatusCodes.Status413PayloadTooLarge);
        return exam;
    }

    private static async Task<Results<Created<ResultOut>, ProblemHttpResult>> CreateBlankAsync([FromQuery(Name = "task_id")] string? parent, ResultsDbContext db, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (parent is null)
        {
            return ApiProblems.BadRequest("Missing task_id", "Give the parent task as the query parameter task_id.");
        }

        if (!ApiProblems.TryParseId(parent, "task id", out var taskId, out var problem))
        {
            return problem;
        }

        // The seed raises 404 "Creation unsuccessful"; a task of another source is as absent as one that never existed.
        var user = CurrentUser.From(http.User);
        var task = await db.Tasks.Where(t => t.Id == taskId).Select(t => new { t.IsTemplate, t.Workflow!.Exam!.SourceId }).SingleOrDefaultAsync(ct);
        if (task is null || task.SourceId != user.SourceId)
        {
            return TypedResults.Problem(title: "Creation unsuccessful", statusCode: StatusCodes.Status404NotFound,
                detail: "Parent (task_id) does not exist. Check task_id, or create the task first (POST /api/v1/exam/task/new).");
        }

        if (task.IsTemplate)
        {
            return ApiProblems.BadRequest("Template parent", "Result parent (task) must not be a template. Create the result under a task of an exam.");
        }

        var result = new Result { Id = Guid.NewGuid(), TaskId = taskId, DatetimeCreated = time.GetUtcNow() };
        var workflowId = await db.Tasks.Where(t => t.Id == taskId).Select(t => t.WorkflowId).SingleAsync(ct);
        result.Directory = $"{workflowId}/{taskId}/{result.Id}";
        db.Results.Add(result);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created($"/api/v1/exam/result/{result.Id}", ResultOut.From(result));
    }

    private static async Task<Results<Ok<ResultOut>, ProblemHttpResult>> GetAsync([FromRoute(Name = "result_id")] string resultId, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var (_, found, refused) = await FindResultAsync(resultId, db.Results.AsNoTracking(), http, ct);
        return refused is not null ? refused : TypedResults.Ok(ResultOut.From(found!.Result));
    }

    private static async Task<Results<Ok<List<ResultOut>>, ProblemHttpResult>> ListAsync([FromRoute(Name = "task_id")] string taskId, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        if (!ApiProblems.TryParseId(taskId, "task id", out var id, out var problem))
        {
            return problem;
        }

        // The seed lists an unknown task's results as []; another source's task answers the same, so nothing is revealed.
        var user = CurrentUser.From(http.User);
        var source = await db.Tasks.Where(t => t.Id == id).Select(t => (Guid?)t.Workflow!.Exam!.SourceId).SingleOrDefaultAsync(ct);
        if (source is null || (source != user.SourceId && user.Role != Roles.Service))
        {
            return TypedResults.Ok(new List<ResultOut>());
        }

        var results = await db.Results.AsNoTracking().Where(r => r.TaskId == id).OrderBy(r => r.DatetimeCreated).ThenBy(r => r.Id).ToListAsync(ct);
        return TypedResults.Ok(results.Select(ResultOut.From).ToList());
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync([FromRoute(Name = "result_id")] string resultId, ResultsDbContext db, ResultStorage storage, HttpContext http, CancellationToken ct)
    {
        var (id, found, refused) = await FindResultAsync(resultId, db.Results, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        db.Results.Remove(found!.Result);
        await db.SaveChangesAsync(ct);
        storage.DeleteResult(found.WorkflowId, found.Result.TaskId, id);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<ResultOut>, ProblemHttpResult>> SetAsync([FromRoute(Name = "result_id")] string resultId, SetResult payload, ResultsDbContext db, HttpContext http, IOptions<StorageOptions> limits,
        CancellationToken ct)
    {
        if (!ApiProblems.TryParseId(resultId, "result id", out _, out var problem))
        {
            return problem;
        }

        if (payload.Files?.Select(ResultStorage.ValidateFileName).FirstOrDefault(p => p is not null) is { } badName)
        {
            return ApiProblems.BadRequest("Invalid file name", badName);
        }

        if (payload.Meta is { ValueKind: not JsonValueKind.Object and not JsonValueKind.Null and not JsonValueKind.Undefined })
        {
            return ApiProblems.BadRequest("Invalid meta", "meta must be a JSON object (or null); send it as {...}.");
        }

        if (InputLimits.CheckNesting(payload.Meta, "meta", limits.Value.MaxJsonDepth) is { } tooDeep)
        {
            return ApiProblems.BadRequest("JSON too deep", tooDeep);
        }

        var (_, found, refused) = await FindResultAsync(resultId, db.Results, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        // Only the fields the payload carries change (the seed); a field left out or null keeps its value.
        var result = found!.Result;
        result.Type = payload.Type ?? result.Type;
        result.Directory = payload.Directory ?? result.Directory;
        result.Files = payload.Files ?? result.Files;
        result.Meta = payload.Meta is { ValueKind: JsonValueKind.Object } meta ? meta.GetRawText() : result.Meta;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ResultOut.From(result));
    }

    private static async Task<Results<Created<List<StoredFile>>, ProblemHttpResult>> UploadMultipartAsync([FromRoute(Name = "result_id")] string resultId, HttpRequest request, ResultsDbContext db, ResultStorage storage,
        IOptions<StorageOptions> storageOptions, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            return ApiProblems.BadRequest("Not a form", "Send the files as multipart/form-data, or PUT one file to /result/{result_id}/files/{filename}.");
        }

        var (form, unreadable) = await ApiProblems.ReadFormAsync(request, storageOptions.Value.MaxUploadBytes, ct);
        if (unreadable is not null)
        {
            return unreadable;
        }

        if (form!.Files.Count == 0)
        {
            return ApiProblems.BadRequest("No file", "The form holds no file; put at least one file in it.");
        }

        if (form.Files.Select(f => ResultStorage.ValidateFileName(f.FileName)).FirstOrDefault(p => p is not null) is { } badName)
        {
            return ApiProblems.BadRequest("Invalid file name", badName);
        }

        List<StoredFile> stored = [];
        foreach (var file in form.Files)
        {
            await using var content = file.OpenReadStream();
            var outcome = await StoreAsync(resultId, file.FileName, content, request.HttpContext, db, storage, ct);
            if (outcome.Problem is not null)
            {
                return outcome.Problem;
            }

            stored.Add(outcome.File!);
        }

        return TypedResults.Created($"/api/v1/exam/result/{resultId}", stored);
    }

    private static async Task<Results<Created<StoredFile>, ProblemHttpResult>> UploadRawAsync([FromRoute(Name = "result_id")] string resultId, string filename, HttpRequest request, ResultsDbContext db, ResultStorage storage, CancellationToken ct)
    {
        var outcome = await StoreAsync(resultId, filename, request.Body, request.HttpContext, db, storage, ct);
        return outcome.Problem is not null ? outcome.Problem : TypedResults.Created($"/api/v1/exam/result/{resultId}", outcome.File!);
    }

    /// <summary>Stores a file and records it in the result's files and meta.files (size, SHA-256), so both stay consistent with the disk.</summary>
    private static async Task<(StoredFile? File, ProblemHttpResult? Problem)> StoreAsync(string resultIdText, string name, Stream content, HttpContext http,
        ResultsDbContext db, ResultStorage storage, CancellationToken ct)
    {
        if (ResultStorage.ValidateFileName(name) is { } badName)
        {
            return (null, ApiProblems.BadRequest("Invalid file name", badName));
        }

        var (id, found, refused) = await FindResultAsync(resultIdText, db.Results, http, ct);
        if (refused is not null)
        {
            return (null, refused);
        }

        StoredFile stored;
        try
        {
            stored = await storage.SaveAsync(found!.WorkflowId, found.Result.TaskId, id, name, content, ct);
        }
        catch (UploadTooLargeException tooLarge)
        {
            return (null, TypedResults.Problem(title: "Upload too large", detail: tooLarge.Message, statusCode: StatusCodes.Status413PayloadTooLarge));
        }

        var result = found.Result;
        if (!result.Files.Contains(name))
        {
            result.Files = [.. result.Files, name];
        }

        var meta = JsonNode.Parse(result.Meta) as JsonObject ?? [];
        var files = meta["files"] as JsonObject ?? [];
        files[name] = new JsonObject { ["size"] = stored.Size, ["sha256"] = stored.Sha256 };
        meta["files"] = files;
        result.Meta = meta.ToJsonString();
        await db.SaveChangesAsync(ct);
        return (stored, null);
    }

    /// <summary>A result with the workflow it lives under (for its folder), after the id and source checks.</summary>
    private sealed record OwnedResult(Result Result, Guid WorkflowId);

    private static Task<(Guid Id, OwnedResult? Item, ProblemHttpResult? Refusal)> FindResultAsync(string id, IQueryable<Result> results, HttpContext http, CancellationToken ct) =>
        ApiProblems.FindOwnedAsync(id, "result", CurrentUser.From(http.User), async key =>
        {
            var found = await results.Where(r => r.Id == key)
                .Select(r => new { Result = r, r.Task!.WorkflowId, r.Task.Workflow!.Exam!.SourceId }).SingleOrDefaultAsync(ct);
            return (found is null ? null : new OwnedResult(found.Result, found.WorkflowId), found?.SourceId);
        });
}
