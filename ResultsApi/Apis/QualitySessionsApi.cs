using System.Buffers;
using System.IO.Compression;
using System.Text.Json;
using Imaging.Contracts;
using Imaging.Contracts.QualityTargets;
using Imaging.ResultsApi.Auth;
using Imaging.ResultsApi.Data;
using Imaging.ResultsApi.Messaging;
using Imaging.ResultsApi.OpenApi;
using Imaging.ResultsApi.QualitySessions;
using Imaging.ResultsApi.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;

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
            .Produces<SessionCreatedOut>().ProducesProblems(BadRequest, StatusCodes.Status413PayloadTooLarge)
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
            .Produces<SessionOut>().SessionNotFound();
        sessions.MapGet("/download/{session_id}", DownloadAsync).WithName("download_quality_session")
            .WithSummary("The session as a zip: images/, files/, results.json and measurements.json.")
            .ProducesFile("application/zip", "The session's images, batch files, results and measurements.", ranges: false).SessionNotFound();

        var worker = app.MapGroup("/api/v1/quality-sessions/{session_id}")
            .RequireAuthorization(policy => policy.RequireRole(Roles.Service)).WithTags("worker");
        worker.MapPost("/started", StartedAsync).WithName("quality_session_started")
            .WithSummary("The worker took the session: running; answers its target and target images. 409 when already reported.")
            .Produces<WorkerSessionOut>().ProducesProblems(BadRequest, NotFound, Conflict);
        worker.MapGet("/images/{file_name}", ImageAsync).WithName("quality_session_image").WithSummary("A target image of the session, as uploaded.")
            .ProducesFile("image/tiff", "The image as uploaded (image/tiff or image/jpeg).").ProducesProblems(BadRequest, NotFound);
        worker.MapPost("/finished", FinishedAsync).WithName("quality_session_finished")
            .WithSummary("Each target image's seed-shaped result and its measurements: finished.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblems(BadRequest, NotFound, Conflict);
        worker.MapPost("/failed", FailedAsync).WithName("quality_session_failed").WithSummary("The measurement failed for good: failed with the reason.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblems(BadRequest, NotFound, Conflict)
            .WithRequestExample("""{"reason": "before_target.tif is not a test target image."}""");
        return app;
    }

    /// <summary>The seed's 404, for a malformed, unknown or another source's session id alike.</summary>
    private static RouteHandlerBuilder SessionNotFound(this RouteHandlerBuilder builder) => builder
        .Produces<SeedBodies.SessionError>(StatusCodes.Status404NotFound).WithResponseExample(StatusCodes.Status404NotFound, SeedExamples.SessionDoesNotExist);

    private static async Task<IResult> CreateAsync(string? target, HttpRequest request, ResultsDbContext db, ResultStorage storage, Outbox outbox,
        IOptions<StorageOptions> storageOptions, IOptions<QualitySessionOptions> options, TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        var known = string.Join(", ", QualityTargetCatalogue.Ids.Order(StringComparer.Ordinal));
        if (string.IsNullOrEmpty(target))
        {
            return ApiProblems.BadRequest("No target", $"Name the test target that was scanned, as ?target=<id>; the known targets are {known}.");
        }

        if (QualityTargetCatalogue.Find(target) is null)
        {
            return ApiProblems.BadRequest("Unknown target", $"'{Shorten(target)}' is not a known target; the known targets are {known}.");
        }

        if (!request.HasFormContentType)
        {
            return ApiProblems.BadRequest("Not a form", $"Send the images as multipart/form-data: {BeforeField}, {AfterField} and {BatchField}.");
        }

        var (form, unreadable) = await ApiProblems.ReadFormAsync(request, storageOptions.Value.MaxUploadBytes, ct);
        if (unreadable is not null)
        {
            return unreadable;
        }

        var id = Guid.NewGuid();
        var (uploads, refused) = await CheckUploadsAsync(form!, id, options.Value.MaxParts, ct);
        if (refused is not null)
        {
            return refused;
        }

        var source = CurrentUser.From(request.HttpContext.User).SourceId;
        var now = time.GetUtcNow();
        var session = new QualitySession { Id = id, SourceId = source, Target = target, State = QualitySessionState.created, CreatedAt = now, UpdatedAt = now };
        try
        {
            foreach (var upload in uploads!)
            {
                await using var content = upload.File.OpenReadStream();
                var stored = await storage.SaveQualitySessionFileAsync(source, id, upload.Role, upload.Name, content, ct);
                session.Images.Add(new QualitySessionImage
                {
                    FileName = upload.Name,
                    Role = upload.Role,
                    MediaType = upload.MediaType,
                    Size = stored.Size,
                    Sha256 = stored.Sha256,
                });
            }

            // The files are in place before the job is committed, so the worker never takes a session whose images are still arriving.
            db.QualitySessions.Add(session);
            outbox.Add(db, new QualitySessionJob(id));
            await db.SaveChangesAsync(ct);
        }
        catch (UploadTooLargeException tooLarge)
        {
            storage.DeleteQualitySession(source, id);
            return TypedResults.Problem(title: "Upload too large", detail: tooLarge.Message, statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        catch (Exception failure)
        {
            // Nothing half-written: no row was committed, so the folder goes too.
            storage.DeleteQualitySession(source, id);
            LogAbandoned(loggers.CreateLogger(typeof(QualitySessionsApi)), failure, id, source);
            throw;
        }

        LogCreated(loggers.CreateLogger(typeof(QualitySessionsApi)), id, source, target, session.Images.Count(i => i.Role == QualityImageRole.batch));
        return TypedResults.Ok(new SessionCreatedOut(id));
    }

    private sealed record Upload(IFormFile File, QualityImageRole Role, string Name, string MediaType);

    /// <summary>
    /// Every refusal before anything is written: the parts (how many, which), each name, each file's type by its first
    /// bytes, and duplicate batch names. The after image is renamed when it has the before image's name.
    /// </summary>
    private static async Task<(List<Upload>? Uploads, IResult? Refusal)> CheckUploadsAsync(IFormCollection form, Guid sessionId, int maxParts,
        CancellationToken ct)
    {
        var parts = form.Files.Count + form.Count;
        if (parts > maxParts)
        {
            return (null, ApiProblems.BadRequest("Too many parts",
                $"The form has {parts} parts; a session takes at most {maxParts} (the two targets and up to {maxParts - 2} batch images). Split the batch into sessions."));
        }

        var stray = form.Keys.FirstOrDefault() ?? form.Files.FirstOrDefault(f => f.Name is not (BeforeField or AfterField or BatchField))?.Name;
        if (stray is not null)
        {
            return (null, ApiProblems.BadRequest("Unexpected part",
                $"'{Shorten(stray)}' is not a part of this form; it holds the files {BeforeField}, {AfterField} and {BatchField}."));
        }

        List<Upload> uploads = [];
        foreach (var (field, role) in new[] { (BeforeField, QualityImageRole.before_target), (AfterField, QualityImageRole.after_target) })
        {
            var files = form.Files.GetFiles(field);
            if (files.Count != 1)
            {
                return (null, ApiProblems.BadRequest(files.Count == 0 ? $"No {field}" : $"More than one {field}",
                    $"The form needs exactly one file in the part '{field}': the target scanned {(role == QualityImageRole.before_target ? "before" : "after")} the batch."));
            }

            uploads.Add(new Upload(files[0], role, files[0].FileName, ""));
        }

        uploads.AddRange(form.Files.GetFiles(BatchField).Select(f => new Upload(f, QualityImageRole.batch, f.FileName, "")));

        // Names that differ only in case would overwrite each other once the zip is unpacked on Windows or macOS.
        var batchNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < uploads.Count; i++)
        {
            var upload = uploads[i];
            var part = upload.Role == QualityImageRole.batch ? BatchField : upload.File.Name;
            if (ResultStorage.ValidateFileName(upload.Name) is { } badName)
            {
                return (null, ApiProblems.BadRequest("Invalid file name", $"'{Shorten(upload.Name)}' in {part}: {badName}"));
            }

            if (upload.Role == QualityImageRole.batch && !batchNames.Add(upload.Name))
            {
                return (null, ApiProblems.BadRequest("Duplicate file name",
                    $"'{upload.Name}' is in {BatchField} more than once (names are compared ignoring case); each batch image needs its own name."));
            }

            if (await SniffAsync(upload.File, ct) is not { } mediaType)
            {
                return (null, ApiProblems.BadRequest("Not a TIFF or JPEG image",
                    $"'{upload.Name}' in {part} is neither TIFF (II*\\0, MM\\0*) nor JPEG (FF D8 FF) by its first bytes; only those are measured and kept."));
            }

            uploads[i] = upload with { MediaType = mediaType };
        }

        // Both targets are often saved under the scanner's one name: the after image gets a prefix from the session id, as the source tool does.
        if (string.Equals(uploads[0].Name, uploads[1].Name, StringComparison.OrdinalIgnoreCase))
        {
            var renamed = $"{sessionId:N}"[..4] + "-" + uploads[1].Name;
            if (ResultStorage.ValidateFileName(renamed) is { } badName)
            {
                return (null, ApiProblems.BadRequest("Invalid file name", $"'{renamed}', the {AfterField} renamed beside its twin: {badName}"));
            }

            uploads[1] = uploads[1] with { Name = renamed };
        }

        return (uploads, null);
    }

    /// <summary>image/tiff or image/jpeg by the file's first bytes, or null for anything else: the extension says nothing.</summary>
    private static async Task<string?> SniffAsync(IFormFile file, CancellationToken ct)
    {
        var head = new byte[4];
        await using var content = file.OpenReadStream();
        var read = await content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, ct);
        return head.AsSpan(0, read) switch
        {
            [0x49, 0x49, 0x2A, 0x00] or [0x4D, 0x4D, 0x00, 0x2A] => "image/tiff",
            [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
            _ => null,
        };
    }

    private static async Task<IResult> ResultsAsync(string session_id, HttpContext http, ResultsDbContext db, CancellationToken ct)
    {
        var session = await FindOwnAsync(session_id, http, db, withBatch: false, ct);
        return session is null ? NoSession : TypedResults.Bytes(ResultsJson(session), "application/json");
    }

    private static async Task<IResult> MeasurementsAsync(string session_id, HttpContext http, ResultsDbContext db, CancellationToken ct)
    {
        var session = await FindOwnAsync(session_id, http, db, withBatch: false, ct);
        if (session is null)
        {
            return NoSession;
        }

        return TypedResults.Bytes(Compose(json =>
        {
            json.WriteStartObject();
            json.WriteString("session_id", session.Id);
            json.WriteString("target", session.Target);
            json.WriteString("state", session.State.ToString());
            json.WriteString("reason", session.Reason);
            json.WritePropertyName("images");
            WriteMeasurements(json, session);
            json.WriteEndObject();
        }), "application/json");
    }

    private static async Task<IResult> SessionAsync(string session_id, HttpContext http, ResultsDbContext db, CancellationToken ct)
    {
        var session = await FindOwnAsync(session_id, http, db, withBatch: true, ct);
        if (session is null)
        {
            return NoSession;
        }

        return TypedResults.Ok(new SessionOut(session.Id, session.Target, session.State, session.Reason, session.CreatedAt, session.UpdatedAt,
            [.. Targets(session).Select(i => new SessionImageOut(i.FileName, i.Role, i.Size, i.Sha256))],
            [.. Batch(session).Select(i => new SessionFileOut(i.FileName, i.Size, i.Sha256))]));
    }

    private static async Task<IResult> DownloadAsync(string session_id, HttpContext http, ResultsDbContext db, ResultStorage storage, CancellationToken ct)
    {
        var session = await FindOwnAsync(session_id, http, db, withBatch: true, ct);
        if (session is null)
        {
            return NoSession;
        }

        return TypedResults.Stream(body => WriteZipAsync(body, session, storage, ct), "application/zip", $"session-{session.Id}.zip");
    }

    /// <summary>
    /// Streams the zip as it is made (nothing is staged on disk or in memory): the images as stored, then the results and
    /// measurements as the GET calls answer them. Entries carry the session's last change, so the same session zips the same.
    /// </summary>
    private static async Task WriteZipAsync(Stream body, QualitySession session, ResultStorage storage, CancellationToken ct)
    {
        var output = new HeldWritesStream(body);
        await using (var zip = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct))
        {
            foreach (var image in Targets(session).Concat(Batch(session)))
            {
                var entry = zip.CreateEntry($"{ResultStorage.QualitySessionFolder(image.Role)}/{image.FileName}", CompressionLevel.Fastest);
                entry.LastWriteTime = session.UpdatedAt;
                await using (var input = new FileStream(storage.QualitySessionPath(session.SourceId, session.Id, image.Role, image.FileName),
                    FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
                await using (var entryStream = await entry.OpenAsync(ct))
                {
                    await input.CopyToAsync(entryStream, ct);
                }

                await output.FlushAsync(ct);
            }

            foreach (var (name, content) in new[] { ("results.json", ResultsJson(session)), ("measurements.json", Compose(json => WriteMeasurements(json, session))) })
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                entry.LastWriteTime = session.UpdatedAt;
                await using (var entryStream = await entry.OpenAsync(ct))
                {
                    await entryStream.WriteAsync(content, ct);
                }

                await output.FlushAsync(ct);
            }
        }

        await output.FlushAsync(ct);
    }

    /// <summary>
    /// The response body as ZipArchive needs it. ZipArchive (.NET 10) still writes synchronously when it closes an entry
    /// (the compressor's tail, the sizes) and when it ends (the central directory), which the server refuses; those writes
    /// are held here and sent with the next asynchronous write or flush. They are small: the file contents pass straight through.
    /// </summary>
    private sealed class HeldWritesStream(Stream inner) : Stream
    {
        private readonly MemoryStream _held = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => _held.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => _held.Write(buffer);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await SendHeldAsync(cancellationToken);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // A synchronous flush cannot reach the client; what it would send waits for FlushAsync.
        public override void Flush()
        {
        }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            await SendHeldAsync(cancellationToken);
            await inner.FlushAsync(cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private async ValueTask SendHeldAsync(CancellationToken cancellationToken)
        {
            if (_held.Length > 0)
            {
                await inner.WriteAsync(_held.GetBuffer().AsMemory(0, (int)_held.Length), cancellationToken);
                _held.SetLength(0);
            }
        }
    }

    /// <summary>
    /// The seed's body: each target image by name, before first, with the worker's result as it sent it once finished,
    /// and until then every level not completed and overall_score "None".
    /// </summary>
    private static byte[] ResultsJson(QualitySession session) => Compose(json =>
    {
        json.WriteStartObject();
        foreach (var image in Targets(session))
        {
            json.WritePropertyName(image.FileName);
            if (session.State == QualitySessionState.finished && image.ResultJson is { } result)
            {
                json.WriteRawValue(result);
                continue;
            }

            json.WriteStartObject();
            foreach (var level in Levels)
            {
                json.WriteStartObject(level);
                json.WriteBoolean("completed", false);
                json.WriteStartObject("results");
                json.WriteBoolean("passed", false);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteString("image_tag", image.Role.ToString());
            json.WriteString("overall_score", "None");
            json.WriteEndObject();
        }

        json.WriteEndObject();
    });

    /// <summary>Each target image's measurements as the worker sent them, or null before it reported.</summary>
    private static void WriteMeasurements(Utf8JsonWriter json, QualitySession session)
    {
        json.WriteStartObject();
        foreach (var image in Targets(session))
        {
            json.WritePropertyName(image.FileName);
            if (image.MeasurementsJson is { } measurements)
            {
                json.WriteRawValue(measurements);
            }
            else
            {
                json.WriteNullValue();
            }
        }

        json.WriteEndObject();
    }

    private static byte[] Compose(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static IEnumerable<QualitySessionImage> Targets(QualitySession session) =>
        session.Images.Where(i => i.Role != QualityImageRole.batch).OrderBy(i => i.Role);

    private static IEnumerable<QualitySessionImage> Batch(QualitySession session) =>
        session.Images.Where(i => i.Role == QualityImageRole.batch).OrderBy(i => i.FileName, StringComparer.Ordinal);

    /// <summary>The caller's session, or null when the id is malformed, unknown or another source's: the seed has one answer for all three.</summary>
    private static async Task<QualitySession?> FindOwnAsync(string idText, HttpContext http, ResultsDbContext db, bool withBatch, CancellationToken ct)
    {
        if (!Guid.TryParse(idText, out var id))
        {
            return null;
        }

        var source = CurrentUser.From(http.User).SourceId;
        var sessions = db.QualitySessions.AsNoTracking();
        sessions = withBatch ? sessions.Include(s => s.Images) : sessions.Include(s => s.Images.Where(i => i.Role != QualityImageRole.batch));
        return await sessions.SingleOrDefaultAsync(s => s.Id == id && s.SourceId == source, ct);
    }

    private static IResult NoSession => TypedResults.Json(new { error = "session does not exist" }, SeedJson, "application/json", StatusCodes.Status404NotFound);

    private static async Task<IResult> StartedAsync(string session_id, ResultsDbContext db, TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        var (session, refused) = await FindForWorkerAsync(session_id, db, tracking: true, ct);
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

    private static async Task<IResult> ImageAsync(string session_id, string file_name, ResultsDbContext db, ResultStorage storage, HttpContext http,
        CancellationToken ct)
    {
        if (ResultStorage.ValidateFileName(file_name) is { } badName)
        {
            return ApiProblems.BadRequest("Invalid file name", badName);
        }

        var (session, refused) = await FindForWorkerAsync(session_id, db, tracking: false, ct);
        if (refused is not null)
        {
            return refused;
        }

        if (Targets(session!).FirstOrDefault(i => i.FileName == file_name) is not { } image)
        {
            return TypedResults.Problem(title: "Image not found", detail: $"Session {session!.Id} has no target image '{file_name}'; /started lists its target images.",
                statusCode: StatusCodes.Status404NotFound);
        }

        PipeFileSender.Install(http);
        return TypedResults.PhysicalFile(storage.QualitySessionPath(session!.SourceId, session.Id, image.Role, image.FileName), image.MediaType,
            enableRangeProcessing: true);
    }

    private static async Task<IResult> FinishedAsync(string session_id, SessionFinishedIn payload, ResultsDbContext db, TimeProvider time,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var (session, refused) = await FindForWorkerAsync(session_id, db, tracking: true, ct);
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
                + (extra.Count > 0 ? $"; not target images of the session: {string.Join(", ", extra.Select(Shorten))}" : "") + ".");
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

    private static async Task<IResult> FailedAsync(string session_id, SessionFailedIn payload, ResultsDbContext db, TimeProvider time, ILoggerFactory loggers,
        CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(payload.Reason))
        {
            return ApiProblems.BadRequest("No reason", "Say why, in 'reason': the person who uploaded the session reads it.");
        }

        var (session, refused) = await FindForWorkerAsync(session_id, db, tracking: true, ct);
        if (refused is not null)
        {
            return refused;
        }

        if (AlreadyReported(session!) is { } reported)
        {
            return reported;
        }

        session!.State = QualitySessionState.failed;
        session.Reason = payload.Reason.Length > 1000 ? payload.Reason[..1000] : payload.Reason;
        session.UpdatedAt = time.GetUtcNow();
        if (await SaveOrConflictAsync(db, session, ct) is { } conflict)
        {
            return conflict;
        }

        LogFailed(loggers.CreateLogger(typeof(QualitySessionsApi)), session.Id, session.SourceId, session.Reason);
        return TypedResults.NoContent();
    }

    /// <summary>The session a worker call is about, of any source, with its target images: 400 for a malformed id, 404 when there is none.</summary>
    private static async Task<(QualitySession? Session, IResult? Refusal)> FindForWorkerAsync(string idText, ResultsDbContext db, bool tracking,
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
    private static IResult? AlreadyReported(QualitySession session) =>
        session.State is QualitySessionState.finished or QualitySessionState.failed
            ? TypedResults.Problem(title: "Session already reported",
                detail: $"Session {session.Id} is {session.State}{(session.Reason is { } r ? $": {r}" : "")}; there is nothing more to report for it.",
                statusCode: StatusCodes.Status409Conflict)
            : null;

    /// <summary>Saves, or 409 when another report changed the session's state since it was read (the state is the concurrency token).</summary>
    private static async Task<IResult?> SaveOrConflictAsync(ResultsDbContext db, QualitySession session, CancellationToken ct)
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

    private static string Shorten(string value) => value.Length > 80 ? value[..80] + "…" : value;

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
