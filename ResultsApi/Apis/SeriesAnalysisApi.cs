using Imaging.ResultsApi.Analysis;

namespace Imaging.ResultsApi.Apis;

/// <summary>
/// The calls WorkflowWorker makes while it analyses a series (service role only): take the job, read the series'
/// instances, store the result files, and report the outcome. Every report names the attempt it belongs to; a
/// report for an older queueing, or for an analysis already reported, is answered 409 and changes nothing.
/// </summary>
public static partial class SeriesAnalysisApi
{
    /// <summary>The result kinds of the vendor API (seed: series-results-api), in its order: the only keys result.files may hold.</summary>
    public static readonly string[] FileKinds = ["sc", "pdf", "sr", "sc_key_slices", "seg", "gsps", "json", "pr", "hl7", "encapsulated_pdf"];

    public static IEndpointRouteBuilder MapSeriesAnalysisApi(this IEndpointRouteBuilder app)
    {
        var worker = app.MapGroup("/api/v1/series-analyses/{source_id}/{series}")
            .RequireAuthorization(policy => policy.RequireRole(Roles.Service)).WithTags("worker");
        const int BadRequest = StatusCodes.Status400BadRequest, NotFound = StatusCodes.Status404NotFound, Conflict = StatusCodes.Status409Conflict;
        worker.MapPost("/started", StartedAsync).WithName("series_analysis_started")
            .WithSummary("The worker took the analysis: PROCESSING; answers the series and its instances. 409 when stale or already reported.")
            .ProducesProblems(BadRequest, NotFound, Conflict).WithRequestExample("""{"attempt": 1}""");
        worker.MapGet("/instances/{sop}", InstanceAsync).WithName("series_analysis_instance").WithSummary("One instance of the series, as stored.")
            .ProducesFile("application/dicom", "The instance as stored (DICOM Part-10).").ProducesProblems(BadRequest, NotFound);
        worker.MapPut("/files/{filename}", PutFileAsync).WithName("series_analysis_file").AcceptsUpload().WithSummary("Store a result file; the same name again replaces it.")
            .AcceptsRaw("application/octet-stream", "The file's bytes, as they are.")
            .ProducesProblems(BadRequest, NotFound, Conflict, StatusCodes.Status413PayloadTooLarge);
        worker.MapPost("/progress", ProgressAsync).WithName("series_analysis_progress")
            .WithSummary("How far the analysis is: percent 0–99 and the stage, which /results answers in headers while it runs.")
            .ProducesProblems(BadRequest, NotFound, Conflict)
            .WithRequestExample("""{"attempt": 1, "percent": 35, "stage": "read instance 4 of 8"}""");
        worker.MapPost("/finished", FinishedAsync).WithName("series_analysis_finished").WithSummary("The analysis is done: DONE with triage status, use case and files.")
            .WithDescription($"files maps each kind ({string.Join(", ", FileKinds)}) to names PUT to files/{{filename}} before.")
            .ProducesProblems(BadRequest, NotFound, Conflict)
            .WithRequestExample("""{"attempt": 1, "usecase": "qct", "triage_status": "Routine", "files": {"pdf": ["report.pdf"], "json": ["measurements.json"]}}""");
        worker.MapPost("/unsupported", UnsupportedAsync).WithName("series_analysis_unsupported").WithSummary("No use case for this series: UNSUPPORTED with the reason.")
            .ProducesProblems(BadRequest, NotFound, Conflict)
            .WithRequestExample("""{"attempt": 1, "reason": "Modality MR has no use case."}""");
        worker.MapPost("/failed", FailedAsync).WithName("series_analysis_failed").WithSummary("The analysis failed for good: FAILED with the reason.")
            .ProducesProblems(BadRequest, NotFound, Conflict)
            .WithRequestExample("""{"attempt": 1, "reason": "The series has no pixel data."}""");
        return app;
    }

    private static async Task<Results<Ok<AnalysisContextOut>, ProblemHttpResult>> StartedAsync([FromRoute(Name = "source_id")] string sourceId, string series, AttemptIn payload, ResultsDbContext db, TimeProvider time,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var (analysis, refused) = await FindAsync(sourceId, series, payload.Attempt, db, ct);
        if (refused is not null)
        {
            return refused;
        }

        analysis!.Status = AnalysisStatus.PROCESSING;
        analysis.Progress = 0;
        analysis.Stage = null;
        analysis.DatetimeUpdated = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        var rows = await db.Instances.AsNoTracking().Where(i => i.SourceId == analysis.SourceId && i.SeriesInstanceUid == series)
            .OrderBy(i => i.InstanceNumber).ThenBy(i => i.SopInstanceUid).ToListAsync(ct);
        var instances = rows.Select(i => new InstanceOut(i.SopInstanceUid, i.SopClassUid, i.InstanceNumber, i.NumberOfFrames, i.TransferSyntaxUid, i.Size)).ToList();
        // The series' study, modality and accession number as the first stored instance has them.
        var first = rows.MinBy(i => i.Id)!;
        LogStarted(loggers.CreateLogger(typeof(SeriesAnalysisApi)), series, analysis.SourceId, analysis.Attempt, instances.Count);
        return TypedResults.Ok(new AnalysisContextOut(analysis.SourceId, series, analysis.Attempt, first.StudyInstanceUid, first.Modality, first.AccessionNumber,
            first.PatientId, first.SeriesDescription, instances));
    }

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> InstanceAsync([FromRoute(Name = "source_id")] string sourceId, string series, string sop, ResultsDbContext db, ResultStorage storage, HttpContext http,
        CancellationToken ct)
    {
        if (!Guid.TryParse(sourceId, out var source) || Dicom.DicomUid.Validate(series) is not null || Dicom.DicomUid.Validate(sop) is not null)
        {
            return ApiProblems.BadRequest("Malformed identifier", "Use a source UUID, and UIDs of digits and dots (at most 64 characters) for the series and the SOP instance.");
        }

        var instance = await db.Instances.AsNoTracking()
            .SingleOrDefaultAsync(i => i.SourceId == source && i.SeriesInstanceUid == series && i.SopInstanceUid == sop, ct);
        if (instance is null)
        {
            return TypedResults.Problem(title: "Instance not found", detail: $"Series {series} of source {source} has no instance {sop}; /started lists its instances.",
                statusCode: StatusCodes.Status404NotFound);
        }

        PipeFileSender.Install(http);
        return TypedResults.PhysicalFile(storage.DicomPath(source, instance.StudyInstanceUid, series, sop), "application/dicom", enableRangeProcessing: true);
    }

    private static async Task<Results<Ok<StoredFile>, ProblemHttpResult>> PutFileAsync([FromRoute(Name = "source_id")] string sourceId, string series, string filename, HttpRequest request, ResultsDbContext db,
        ResultStorage storage, CancellationToken ct)
    {
        if (ResultStorage.ValidateFileName(filename) is { } badName)
        {
            return ApiProblems.BadRequest("Invalid file name", badName);
        }

        var (analysis, refused) = await FindAsync(sourceId, series, attempt: null, db, ct);
        if (refused is not null)
        {
            return refused;
        }

        try
        {
            var stored = await storage.SaveAnalysisFileAsync(analysis!.SourceId, series, filename, request.Body, ct);
            return TypedResults.Ok(stored);
        }
        catch (UploadTooLargeException tooLarge)
        {
            return TypedResults.Problem(title: "Upload too large", detail: tooLarge.Message, statusCode: StatusCodes.Status413PayloadTooLarge);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> FinishedAsync([FromRoute(Name = "source_id")] string sourceId, string series, AnalysisFinishedIn payload, ResultsDbContext db, ResultStorage storage,
        DicomInstanceStore store, TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        if (payload.TriageStatus is not ("Critical" or "Routine") || string.IsNullOrWhiteSpace(payload.Usecase) || payload.Usecase.Length > 64)
        {
            return ApiProblems.BadRequest("Invalid outcome", "triage_status is 'Critical' or 'Routine', and usecase names the use case (1 to 64 characters).");
        }

        if (payload.Files.Keys.FirstOrDefault(kind => !FileKinds.Contains(kind)) is { } unknown)
        {
            return ApiProblems.BadRequest("Unknown file kind", $"'{unknown}' is not a result kind; the kinds are {string.Join(", ", FileKinds)}.");
        }

        var (analysis, refused) = await FindAsync(sourceId, series, payload.Attempt, db, ct);
        if (refused is not null)
        {
            return refused;
        }

        var missing = payload.Files.Values.SelectMany(names => names)
            .FirstOrDefault(name => ResultStorage.ValidateFileName(name) is not null || !File.Exists(storage.AnalysisPath(analysis!.SourceId, series, name)));
        if (missing is not null)
        {
            return ApiProblems.BadRequest("Missing result file", $"'{missing}' was not stored for this series; PUT it to files/{{name}} first.");
        }

        // The DICOM objects among the results join the analysed study, so DICOMweb serves them beside the series.
        var (joined, notJoined) = await DerivedSeries.JoinStudyAsync(analysis!, payload.Files, db, storage, store, time, ct);
        if (notJoined is not null)
        {
            return ApiProblems.BadRequest("Result not storable in the study", notJoined);
        }

        analysis!.Status = AnalysisStatus.DONE;
        analysis.TriageStatus = payload.TriageStatus;
        analysis.Usecase = payload.Usecase;
        analysis.Files = JsonSerializer.Serialize(payload.Files);
        analysis.DatetimeUpdated = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        LogFinished(loggers.CreateLogger(typeof(SeriesAnalysisApi)), series, analysis.SourceId, payload.Usecase, payload.TriageStatus,
            payload.Files.Sum(f => f.Value.Count), joined);
        return TypedResults.NoContent();
    }

    private static Task<Results<NoContent, ProblemHttpResult>> UnsupportedAsync([FromRoute(Name = "source_id")] string sourceId, string series, AnalysisReasonIn payload, ResultsDbContext db, TimeProvider time,
        ILoggerFactory loggers, CancellationToken ct) =>
        EndAsync(sourceId, series, payload, AnalysisStatus.UNSUPPORTED, db, time, loggers, ct);

    private static Task<Results<NoContent, ProblemHttpResult>> FailedAsync([FromRoute(Name = "source_id")] string sourceId, string series, AnalysisReasonIn payload, ResultsDbContext db, TimeProvider time,
        ILoggerFactory loggers, CancellationToken ct) =>
        EndAsync(sourceId, series, payload, AnalysisStatus.FAILED, db, time, loggers, ct);

    private static async Task<Results<NoContent, ProblemHttpResult>> EndAsync(string sourceId, string series, AnalysisReasonIn payload, AnalysisStatus status, ResultsDbContext db,
        TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(payload.Reason))
        {
            return ApiProblems.BadRequest("No reason", "Say why, in 'reason': the person polling /results reads it.");
        }

        var (analysis, refused) = await FindAsync(sourceId, series, payload.Attempt, db, ct);
        if (refused is not null)
        {
            return refused;
        }

        analysis!.Status = status;
        analysis.Reason = payload.Reason.Clip(1000);
        analysis.DatetimeUpdated = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        LogEnded(loggers.CreateLogger(typeof(SeriesAnalysisApi)), series, analysis.SourceId, status, analysis.Reason);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ProgressAsync([FromRoute(Name = "source_id")] string sourceId, string series, ProgressIn payload, ResultsDbContext db, TimeProvider time,
        ILoggerFactory loggers, CancellationToken ct)
    {
        // 100 is DONE's alone: a progress report never claims the analysis is finished.
        if (payload.Percent is < 0 or > 99)
        {
            return ApiProblems.BadRequest("Invalid progress", $"percent is {payload.Percent}; give a whole number from 0 to 99 (DONE is 100).");
        }

        var stage = payload.Stage?.Trim() ?? "";
        if (stage.Length is 0 or > 200 || !stage.All(c => c is >= ' ' and <= '~'))
        {
            return ApiProblems.BadRequest("Invalid stage", "Give the stage in 1 to 200 printable ASCII characters (it is sent in a header), such as 'read instance 3 of 8'.");
        }

        var (analysis, refused) = await FindAsync(sourceId, series, payload.Attempt, db, ct);
        if (refused is not null)
        {
            return refused;
        }

        if (analysis!.Status != AnalysisStatus.PROCESSING)
        {
            return TypedResults.Problem(title: "Not in progress", detail: $"Attempt {analysis.Attempt} of series {series} is {analysis.Status}; only a started analysis has progress.",
                statusCode: StatusCodes.Status409Conflict);
        }

        analysis.Progress = payload.Percent;
        analysis.Stage = stage;
        analysis.DatetimeUpdated = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        LogProgress(loggers.CreateLogger(typeof(SeriesAnalysisApi)), series, analysis.SourceId, payload.Percent, stage);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The analysis the worker's call is about: 400 for malformed ids, 404 when there is none, 409 when the call names
    /// another attempt than the current one or the analysis was already reported (DONE, UNSUPPORTED, FAILED).
    /// </summary>
    private static async Task<(SeriesAnalysis? Analysis, ProblemHttpResult? Refusal)> FindAsync(string sourceText, string series, int? attempt, ResultsDbContext db,
        CancellationToken ct)
    {
        if (!Guid.TryParse(sourceText, out var source) || Dicom.DicomUid.Validate(series) is not null)
        {
            return (null, ApiProblems.BadRequest("Malformed identifier", "Use a source UUID and a series instance UID of digits and dots (at most 64 characters)."));
        }

        var analysis = await db.SeriesAnalyses.SingleOrDefaultAsync(a => a.SourceId == source && a.SeriesInstanceUid == series, ct);
        if (analysis is null)
        {
            return (null, TypedResults.Problem(title: "Analysis not found", detail: $"Series {series} of source {source} was never queued for analysis; queue it with GET /compute/{series} first.",
                statusCode: StatusCodes.Status404NotFound));
        }

        if (attempt is { } named && named != analysis.Attempt)
        {
            return (null, TypedResults.Problem(title: "Stale analysis", detail: $"The call is for attempt {named}; the series is now at attempt {analysis.Attempt}. Drop this attempt: the newer one is the series' analysis.",
                statusCode: StatusCodes.Status409Conflict));
        }

        if (analysis.Status is AnalysisStatus.DONE or AnalysisStatus.UNSUPPORTED or AnalysisStatus.FAILED)
        {
            return (null, TypedResults.Problem(title: "Analysis already reported", detail: $"Attempt {analysis.Attempt} of series {series} is {analysis.Status} already; there is nothing more to report for it.",
                statusCode: StatusCodes.Status409Conflict));
        }

        return (analysis, null);
    }

    public sealed record AttemptIn(int Attempt);

    public sealed record ProgressIn(int Attempt, int Percent, string? Stage);

    public sealed record AnalysisReasonIn(int Attempt, string Reason);

    public sealed record AnalysisFinishedIn(int Attempt, string Usecase, string TriageStatus, Dictionary<string, List<string>> Files);

    public sealed record InstanceOut(string SopInstanceUid, string SopClassUid, int? InstanceNumber, int NumberOfFrames, string TransferSyntaxUid, long Size);

    public sealed record AnalysisContextOut(Guid SourceId, string SeriesInstanceUid, int Attempt, string StudyInstanceUid, string? Modality, string? AccessionNumber,
        string? PatientId, string? SeriesDescription, IReadOnlyList<InstanceOut> Instances);

    [LoggerMessage(Level = LogLevel.Information, Message = "Series {SeriesInstanceUid} of source {SourceId}: analysis attempt {Attempt} started on {Instances} instance(s)")]
    private static partial void LogStarted(ILogger logger, string seriesInstanceUid, Guid sourceId, int attempt, int instances);

    [LoggerMessage(Level = LogLevel.Information, Message = "Series {SeriesInstanceUid} of source {SourceId}: analysis {Percent}% ({Stage})")]
    private static partial void LogProgress(ILogger logger, string seriesInstanceUid, Guid sourceId, int percent, string stage);

    [LoggerMessage(Level = LogLevel.Information, Message = "Series {SeriesInstanceUid} of source {SourceId}: analysis DONE, use case {Usecase}, triage {TriageStatus}, {Files} file(s), {Joined} of them indexed in the study")]
    private static partial void LogFinished(ILogger logger, string seriesInstanceUid, Guid sourceId, string usecase, string triageStatus, int files, int joined);

    [LoggerMessage(Level = LogLevel.Information, Message = "Series {SeriesInstanceUid} of source {SourceId}: analysis {Status}: {Reason}")]
    private static partial void LogEnded(ILogger logger, string seriesInstanceUid, Guid sourceId, AnalysisStatus status, string reason);
}
