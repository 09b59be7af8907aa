using Imaging.ResultsApi.QualitySessions;

namespace Imaging.ResultsApi.Apis;

/// <summary>
/// Image-quality sessions (issue #8; seed: quality-session-results): a user uploads a test target scanned before and
/// after a digitisation batch, and the batch; WorkflowWorker measures the two target images against the ISO 19264-1
/// levels and reports back through the worker calls (service role only). A session is its source's: another source's
/// session answers exactly like a missing one.
/// </summary>
public static partial class QualitySessionsApi
{
    private const string BeforeField = "before_target";
    private const string AfterField = "after_target";
    private const string BatchField = "files[]";

    /// <summary>The levels in the seed sample's order; a pending image lists them the same way.</summary>
    private static readonly string[] Levels = ["C", "B", "A"];

    /// <summary>The keys every per-image result the worker reports must have: the seed's shape.</summary>
    private static readonly string[] ResultKeys = ["A", "B", "C", "image_tag", "overall_score"];

    private static readonly string[] Scores = ["A", "B", "C", "None"];

    // The seed's 404 body is plain JSON, not problem details.
    private static readonly JsonSerializerOptions SeedJson = new();

    public static IEndpointRouteBuilder MapQualitySessionsApi(this IEndpointRouteBuilder app)
    {
        var maxParts = app.ServiceProvider.GetRequiredService<IOptions<QualitySessionOptions>>().Value.MaxParts;
        var sessions = app.MapGroup("/api").RequireAuthorization().WithTags("quality sessions");
        const int BadRequest = StatusCodes.Status400BadRequest, NotFound = StatusCodes.Status404NotFound, Conflict = StatusCodes.Status409Conflict;
        sessions.MapPost("/analyze/device", CreateAsync).WithName("create_quality_session").DisableAntiforgery().AcceptsUpload()
            // One more part than allowed still reads, so the endpoint can say what the limit is; far more stops the reader early.
            .WithFormOptions(valueCountLimit: maxParts + 1)
            .WithSummary("Start a session (?target=<id>): multipart before_target, after_target and files[] (TIFF or JPEG); answers its session_id.")
            .WithDescription($"before_target and after_target are the test target scanned before and after the batch; files[] the batch. At most {maxParts} parts.")
            .AcceptsForm("The target images and the batch, TIFF or JPEG.", BeforeField, AfterField, BatchField)
            .ProducesProblems(BadRequest, StatusCodes.Status413PayloadTooLarge)
            .WithResponseExample(StatusCodes.Status200OK, """{"session_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}""");
        sessions.MapGet("/results/{session_id}", ResultsAsync).WithName("get_quality_session_results")
            .WithSummary("Per target image, the outcome at each level A, B, C, its image_tag and overall_score (seed body).")
            .ProducesBody(StatusCodes.Status200OK, "application/json", JsonSchemaType.Object,
                "Per target image file name: levels C, B and A (completed, results with passed and the outcome of each measurement), image_tag and overall_score.")
            .WithResponseExample(StatusCodes.Status200OK, SeedExamples.SessionResults)
            .SessionNotFound();
        sessions.MapGet("/results/{session_id}/measurements", MeasurementsAsync).WithName("get_quality_session_measurements")
            .WithSummary("The session's state and, per target image, the measured values and tolerances.")
            .ProducesBody(StatusCodes.Status200OK, "application/json", JsonSchemaType.Object, "The session's state and, per target image, its measurements.")
            .SessionNotFound();
        sessions.MapGet("/sessions/{session_id}", SessionAsync).WithName("get_quality_session")
            .WithSummary("The session: target, state, reason, times, and its images and batch files with size and SHA-256.")
            .SessionNotFound();
        sessions.MapGet("/download/{session_id}", DownloadAsync).WithName("download_quality_session")
            .WithSummary("The session as a zip: images/, files/, results.json and measurements.json.")
            .ProducesFile("application/zip", "The session's images, batch files, results and measurements.", ranges: false).SessionNotFound();

        var worker = app.MapGroup("/api/v1/quality-sessions/{session_id}")
            .RequireAuthorization(policy => policy.RequireRole(Roles.Service)).WithTags("worker");
        worker.MapPost("/started", StartedAsync).WithName("quality_session_started")
            .WithSummary("The worker took the session: running; answers its target and target images. 409 when already reported.")
            .ProducesProblems(BadRequest, NotFound, Conflict);
        worker.MapGet("/images/{file_name}", ImageAsync).WithName("quality_session_image").WithSummary("A target image of the session, as uploaded.")
            .ProducesFile("image/tiff", "The image as uploaded (image/tiff or image/jpeg).").ProducesProblems(BadRequest, NotFound);
        worker.MapPost("/finished", FinishedAsync).WithName("quality_session_finished")
            .WithSummary("Each target image's seed-shaped result and its measurements: finished.")
            .ProducesProblems(BadRequest, NotFound, Conflict);
        worker.MapPost("/failed", FailedAsync).WithName("quality_session_failed").WithSummary("The measurement failed for good: failed with the reason.")
            .ProducesProblems(BadRequest, NotFound, Conflict)
            .WithRequestExample("""{"reason": "before_target.tif is not a test target image."}""");
        return app;
    }

    /// <summary>The seed's 404, for a malformed, unknown or another source's session id alike.</summary>
    private static RouteHandlerBuilder SessionNotFound(this RouteHandlerBuilder builder) => builder
        .Produces<SeedBodies.SessionError>(StatusCodes.Status404NotFound).WithResponseExample(StatusCodes.Status404NotFound, SeedExamples.SessionDoesNotExist);

    public sealed record SessionCreatedOut(Guid SessionId);

    public sealed record SessionImageOut(string FileName, QualityImageRole ImageTag, long Size, string Sha256);

    public sealed record SessionFileOut(string FileName, long Size, string Sha256);

    public sealed record SessionOut(Guid SessionId, string Target, QualitySessionState State, string? Reason, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
        IReadOnlyList<SessionImageOut> Images, IReadOnlyList<SessionFileOut> Files);

    public sealed record WorkerImageOut(string FileName, QualityImageRole ImageTag, long Size);

    public sealed record WorkerSessionOut(Guid SessionId, Guid SourceId, string Target, IReadOnlyList<WorkerImageOut> Images);

    public sealed record ImageReportIn(JsonElement Result, JsonElement Measurements);

    public sealed record SessionFinishedIn(Dictionary<string, ImageReportIn>? Images);

    public sealed record SessionFailedIn(string? Reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quality session {SessionId} of source {SourceId}: created for target {Target} with {BatchImages} batch image(s)")]
    private static partial void LogCreated(ILogger logger, Guid sessionId, Guid sourceId, string target, int batchImages);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quality session {SessionId} of source {SourceId}: upload abandoned and its folder removed")]
    private static partial void LogAbandoned(ILogger logger, Exception exception, Guid sessionId, Guid sourceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quality session {SessionId} of source {SourceId}: the worker started measuring target {Target} (was {PreviousState})")]
    private static partial void LogStarted(ILogger logger, Guid sessionId, Guid sourceId, string target, QualitySessionState previousState);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quality session {SessionId} of source {SourceId}: finished, overall scores {Scores}")]
    private static partial void LogFinished(ILogger logger, Guid sessionId, Guid sourceId, string scores);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quality session {SessionId} of source {SourceId}: failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid sessionId, Guid sourceId, string reason);
}
