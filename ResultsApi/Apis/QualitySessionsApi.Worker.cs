namespace Imaging.ResultsApi.Apis;

/// <summary>The worker's calls (service role): a session started, its images, its results or its failure.</summary>
public static partial class QualitySessionsApi
{
    private static async Task<Results<Ok<WorkerSessionOut>, ProblemHttpResult>> StartedAsync([FromRoute(Name = "session_id")] string sessionId, ResultsDbContext db, TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        var (session, refused) = await FindForWorkerAsync(sessionId, db, tracking: true, ct);
        if (refused is not null)
        {
            return refused;
        }

        if (AlreadyReported(session!) is { } reported)
        {
            return reported;
        }

        // running → running is a redelivered job after a worker crash: it measures again from the start.
        var previous = session!.State;
        session.State = QualitySessionState.running;
        session.UpdatedAt = time.GetUtcNow();
        if (await SaveOrConflictAsync(db, session, ct) is { } conflict)
        {
            return conflict;
        }

        LogStarted(loggers.CreateLogger(typeof(QualitySessionsApi)), session.Id, session.SourceId, session.Target, previous);
        return TypedResults.Ok(new WorkerSessionOut(session.Id, session.SourceId, session.Target,
            [.. Targets(session).Select(i => new WorkerImageOut(i.FileName, i.Role, i.Size))]));
    }

    private static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> ImageAsync([FromRoute(Name = "session_id")] string sessionId, [FromRoute(Name = "file_name")] string fileName, ResultsDbContext db, ResultStorage storage, HttpContext http,
        CancellationToken ct)
    {
        if (ResultStorage.ValidateFileName(fileName) is { } badName)
        {
            return ApiProblems.BadRequest("Invalid file name", badName);
        }

        var (session, refused) = await FindForWorkerAsync(sessionId, db, tracking: false, ct);
        if (refused is not null)
        {
            return refused;
        }

        if (Targets(session!).FirstOrDefault(i => i.FileName == fileName) is not { } image)
        {
            return TypedResults.Problem(title: "Image not found", detail: $"Session {session!.Id} has no target image '{fileName}'; /started lists its target images.",
                statusCode: StatusCodes.Status404NotFound);
        }

        PipeFileSender.Install(http);
        return TypedResults.PhysicalFile(storage.QualitySessionPath(session!.SourceId, session.Id, image.Role, image.FileName), image.MediaType,
            enableRangeProcessing: true);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> FinishedAsync([FromRoute(Name = "session_id")] string sessionId, SessionFinishedIn payload, ResultsDbContext db, TimeProvider time,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var (session, refused) = await FindForWorkerAsync(sessionId, db, tracking: true, ct);
        if (refused is not null)
        {
            return refused;
        }

        if (session!.State != QualitySessionState.running)
        {
            return TypedResults.Problem(title: "Session not running",
                detail: $"Session {session.Id} is {session.State}{(session.Reason is { } r ? $": {r}" : "")}; /finished follows /started.",
                statusCode: StatusCodes.Status409Conflict);
        }

        var images = Targets(session).ToList();
        var reported = payload.Images ?? [];
        var missing = images.Select(i => i.FileName).Where(name => !reported.ContainsKey(name)).ToList();
        var extra = reported.Keys.Where(name => images.All(i => i.FileName != name)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            return ApiProblems.BadRequest("Wrong images", $"The report holds exactly the session's target images ({string.Join(", ", images.Select(i => i.FileName))})"
                + (missing.Count > 0 ? $"; missing: {string.Join(", ", missing)}" : "")
                + (extra.Count > 0 ? $"; not target images of the session: {string.Join(", ", extra.Select(name => name.Shorten(80)))}" : "") + ".");
        }

        foreach (var image in images)
        {
            var outcome = reported[image.FileName];
            if (CheckResult(outcome.Result, image.Role) is { } invalid)
            {
                return ApiProblems.BadRequest("Invalid result", $"The result of '{image.FileName}': {invalid}");
            }

            if (outcome.Measurements.ValueKind != JsonValueKind.Object)
            {
                return ApiProblems.BadRequest("Invalid measurements", $"The measurements of '{image.FileName}' are a JSON object.");
            }

            image.ResultJson = outcome.Result.GetRawText();
            image.MeasurementsJson = outcome.Measurements.GetRawText();
        }

        session.State = QualitySessionState.finished;
        session.Reason = null;
        session.UpdatedAt = time.GetUtcNow();
        if (await SaveOrConflictAsync(db, session, ct) is { } conflict)
        {
            return conflict;
        }

        LogFinished(loggers.CreateLogger(typeof(QualitySessionsApi)), session.Id, session.SourceId,
            string.Join(", ", images.Select(i => $"{i.FileName} {reported[i.FileName].Result.GetProperty("overall_score").GetString()}")));
        return TypedResults.NoContent();
    }

    /// <summary>Why a reported result is not the seed's per-image value, or null when it is.</summary>
    private static string? CheckResult(JsonElement result, QualityImageRole role)
    {
        if (result.ValueKind != JsonValueKind.Object)
        {
            return "expected a JSON object with the keys A, B, C, image_tag and overall_score.";
        }

        if (ResultKeys.FirstOrDefault(key => !result.TryGetProperty(key, out _)) is { } missing)
        {
            return $"'{missing}' is missing; the seed's keys are A, B, C, image_tag and overall_score.";
        }

        if (Levels.FirstOrDefault(level => result.GetProperty(level).ValueKind != JsonValueKind.Object) is { } notObject)
        {
            return $"level '{notObject}' is an object with completed and results.";
        }

        if (result.GetProperty("image_tag") is not { ValueKind: JsonValueKind.String } tag || tag.GetString() != role.ToString())
        {
            return $"image_tag is \"{role}\" for this image.";
        }

        return result.GetProperty("overall_score") is { ValueKind: JsonValueKind.String } score && Scores.Contains(score.GetString())
            ? null
            : "overall_score is \"A\", \"B\", \"C\" or \"None\".";
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> FailedAsync([FromRoute(Name = "session_id")] string sessionId, SessionFailedIn payload, ResultsDbContext db, TimeProvider time, ILoggerFactory loggers,
        CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(payload.Reason))
        {
            return ApiProblems.BadRequest("No reason", "Say why, in 'reason': the person who uploaded the session reads it.");
        }

        var (session, refused) = await FindForWorkerAsync(sessionId, db, tracking: true, ct);
        if (refused is not null)
        {
            return refused;
        }

        if (AlreadyReported(session!) is { } reported)
        {
            return reported;
        }

        session!.State = QualitySessionState.failed;
        session.Reason = payload.Reason.Clip(1000);
        session.UpdatedAt = time.GetUtcNow();
        if (await SaveOrConflictAsync(db, session, ct) is { } conflict)
        {
            return conflict;
        }

        LogFailed(loggers.CreateLogger(typeof(QualitySessionsApi)), session.Id, session.SourceId, session.Reason);
        return TypedResults.NoContent();
    }

    /// <summary>The session a worker call is about, of any source, with its target images: 400 for a malformed id, 404 when there is none.</summary>
    private static async Task<(QualitySession? Session, ProblemHttpResult? Refusal)> FindForWorkerAsync(string idText, ResultsDbContext db, bool tracking,
        CancellationToken ct)
    {
        if (!ApiProblems.TryParseId(idText, "session id", out var id, out var problem))
        {
            return (null, problem);
        }

        var sessions = tracking ? db.QualitySessions : db.QualitySessions.AsNoTracking();
        var session = await sessions.Include(s => s.Images.Where(i => i.Role != QualityImageRole.batch)).SingleOrDefaultAsync(s => s.Id == id, ct);
        return session is null ? (null, ApiProblems.NotFound("quality session", id)) : (session, null);
    }

    /// <summary>409 once the session has its outcome: a late or repeated report changes nothing.</summary>
    private static ProblemHttpResult? AlreadyReported(QualitySession session) =>
        session.State is QualitySessionState.finished or QualitySessionState.failed
            ? TypedResults.Problem(title: "Session already reported",
                detail: $"Session {session.Id} is {session.State}{(session.Reason is { } r ? $": {r}" : "")}; there is nothing more to report for it.",
                statusCode: StatusCodes.Status409Conflict)
            : null;

    /// <summary>Saves, or 409 when another report changed the session's state since it was read (the state is the concurrency token).</summary>
    private static async Task<ProblemHttpResult?> SaveOrConflictAsync(ResultsDbContext db, QualitySession session, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
            return null;
        }
        catch (DbUpdateConcurrencyException)
        {
            return TypedResults.Problem(title: "Session changed meanwhile", detail: $"Another report about session {session.Id} came first; read it again.",
                statusCode: StatusCodes.Status409Conflict);
        }
    }
}
