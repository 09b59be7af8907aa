using Imaging.Contracts.QualityTargets;
using Imaging.ResultsApi.QualitySessions;

namespace Imaging.ResultsApi.Apis;

/// <summary>A new session: the upload's parts checked (names, types by their first bytes) before anything is written, then stored and queued.</summary>
public static partial class QualitySessionsApi
{
    private static async Task<Results<Ok<SessionCreatedOut>, ProblemHttpResult>> CreateAsync(string? target, HttpRequest request, ResultsDbContext db, ResultStorage storage, Outbox outbox,
        IOptions<StorageOptions> storageOptions, IOptions<QualitySessionOptions> options, TimeProvider time, ILoggerFactory loggers, CancellationToken ct)
    {
        var known = string.Join(", ", QualityTargetCatalogue.Ids.Order(StringComparer.Ordinal));
        if (string.IsNullOrEmpty(target))
        {
            return ApiProblems.BadRequest("No target", $"Name the test target that was scanned, as ?target=<id>; the known targets are {known}.");
        }

        if (QualityTargetCatalogue.Find(target) is null)
        {
            return ApiProblems.BadRequest("Unknown target", $"'{target.Shorten(80)}' is not a known target; the known targets are {known}.");
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
    private static async Task<(List<Upload>? Uploads, ProblemHttpResult? Refusal)> CheckUploadsAsync(IFormCollection form, Guid sessionId, int maxParts,
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
                $"'{stray.Shorten(80)}' is not a part of this form; it holds the files {BeforeField}, {AfterField} and {BatchField}."));
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
                return (null, ApiProblems.BadRequest("Invalid file name", $"'{upload.Name.Shorten(80)}' in {part}: {badName}"));
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
}
