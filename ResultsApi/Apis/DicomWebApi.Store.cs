using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Imaging.ResultsApi.Apis;

/// <summary>STOW-RS: the instances of a multipart/related body checked, stored and answered with the Store Instances Response.</summary>
public static partial class DicomWebApi
{
    private const int StowProgressParts = 100;

    private static async Task<Results<ContentHttpResult, EmptyHttpResult, ProblemHttpResult>> StoreAsync(HttpRequest request, string? study, ResultsDbContext db, DicomInstanceStore store,
        IOptions<StorageOptions> options, ILoggerFactory loggers, CancellationToken ct)
    {
        var logger = loggers.CreateLogger(typeof(DicomWebApi));
        if (study is not null && DicomUid.Validate(study) is { } invalidStudy)
        {
            return ApiProblems.BadRequest("Invalid Study Instance UID", $"{invalidStudy}. Use a UID of digits and dots, at most 64 characters.");
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) || !contentType.MediaType.Equals("multipart/related", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(title: "Unsupported media type", detail: "STOW-RS takes multipart/related; type=\"application/dicom\": send that Content-Type, with one instance per part.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        var type = contentType.Parameters.FirstOrDefault(p => p.Name.Equals("type", StringComparison.OrdinalIgnoreCase))?.Value.ToString().Trim('"');
        if (type is not null && !type.Equals("application/dicom", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(title: "Unsupported media type", detail: $"Parts of type '{type}' are not accepted; send application/dicom instances.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        var boundary = HeaderUtilities.RemoveQuotes(contentType.Boundary).ToString();
        if (boundary.Length is 0 or > 200)
        {
            return ApiProblems.BadRequest("No boundary", "The multipart/related content type names no (or an implausible) boundary; send Content-Type: multipart/related; type=\"application/dicom\"; boundary=<at most 200 characters>.");
        }

        var source = CurrentUser.From(request.HttpContext.User).SourceId;
        var limits = options.Value;
        // The whole body is one upload: its size and its number of parts are bounded, and a body over either bound
        // changes nothing. So every part is staged and checked first, and only a body read to its end is committed.
        var body = new UploadLimitStream(request.Body, limits.MaxUploadBytes + StorageOptions.MultipartOverheadBytes);
        var reader = new MultipartReader(boundary, body);
        List<StagedInstance> staged = [];
        List<StoreFailure> failed = [];
        var parts = 0;
        var clientGone = false;
        try
        {
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (++parts > limits.MaxParts)
                {
                    staged.ForEach(DicomInstanceStore.Discard);
                    return ApiProblems.BadRequest("Too many parts",
                        $"The multipart/related body has more than {limits.MaxParts} parts; nothing of it was stored. Send the instances in several requests.");
                }

                if (section.ContentType is { } partType && !partType.StartsWith("application/dicom", StringComparison.OrdinalIgnoreCase))
                {
                    failed.Add(new StoreFailure(StoreFailure.CannotUnderstand, $"A part of type '{partType}' is not an application/dicom instance."));
                    continue;
                }

                var (instance, failure) = await store.StageAsync(source, section.Body, study, ct);
                if (failure?.OverUploadLimit == true)
                {
                    throw new UploadTooLargeException(limits.MaxUploadBytes);
                }

                if (instance is not null)
                {
                    staged.Add(instance);
                }
                else
                {
                    failed.Add(failure!);
                }

                // A large upload says in the log how far it has got, every so many parts.
                if (parts % StowProgressParts == 0)
                {
                    logger.LogInformation("STOW-RS for source {SourceId}: {Parts} part(s) read so far, {Bytes} bytes", source, parts, body.BytesRead);
                }
            }
        }
        catch (Exception tooLarge) when (tooLarge is UploadTooLargeException || tooLarge is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            staged.ForEach(DicomInstanceStore.Discard);
            return InputLimits.TooLarge(limits.MaxUploadBytes);
        }
        catch (InvalidDataException malformed)
        {
            // The multipart body is cut short or malformed: the parts read whole before it are kept and reported.
            failed.Add(new StoreFailure(StoreFailure.CannotUnderstand, $"The multipart body is malformed: {malformed.Message}"));
        }
        catch (Exception gone) when (request.HttpContext.RequestAborted.IsCancellationRequested || gone is IOException)
        {
            // The client went away mid-upload: as with a body cut short, the parts it sent whole are kept (sending the
            // upload again then changes nothing for them), and the part it was sending leaves nothing.
            clientGone = true;
        }
        catch
        {
            staged.ForEach(DicomInstanceStore.Discard);
            throw;
        }

        List<StoredInstance> stored = [];
        // Committed even when the client has gone: the request's own token is cancelled then.
        var commitToken = clientGone ? CancellationToken.None : ct;
        for (var i = 0; i < staged.Count; i++)
        {
            try
            {
                var (instance, failure) = await store.CommitAsync(db, staged[i], commitToken);
                if (instance is not null)
                {
                    stored.Add(instance);
                }
                else
                {
                    failed.Add(failure!);
                }
            }
            catch
            {
                staged.Skip(i + 1).ToList().ForEach(DicomInstanceStore.Discard);
                throw;
            }
        }

        if (clientGone)
        {
            logger.LogWarning("STOW-RS for source {SourceId}: the client went away after {Parts} part(s), {Bytes} bytes; kept the {Stored} whole instance(s) it sent, refused {Failed}",
                source, parts, body.BytesRead, stored.Count, failed.Count);
            return TypedResults.Empty;
        }

        if (stored.Count == 0 && failed.Count == 0)
        {
            return ApiProblems.BadRequest("No instances", "The multipart/related body holds no parts; put one DICOM instance in each part.");
        }

        logger.LogInformation("STOW-RS for source {SourceId}: {Stored} instance(s) stored, {Failed} refused, of study {StudyInstanceUid}; {Bytes} bytes read",
            source, stored.Count, failed.Count, study ?? stored.FirstOrDefault()?.Instance.StudyInstanceUid, body.BytesRead);
        var response = StoreResponse(request, study ?? stored.FirstOrDefault()?.Instance.StudyInstanceUid, stored, failed);
        var status = failed.Count == 0 ? StatusCodes.Status200OK : stored.Count == 0 ? StatusCodes.Status409Conflict : StatusCodes.Status202Accepted;
        return TypedResults.Text(DicomJson.Serialize(response), "application/dicom+json", System.Text.Encoding.UTF8, status);
    }

    /// <summary>The Store Instances Response Module: the study's Retrieve URL, one Referenced SOP item per stored instance, one Failed SOP item per refusal.</summary>
    private static DicomDataset StoreResponse(HttpRequest request, string? study, List<StoredInstance> stored, List<StoreFailure> failed)
    {
        var baseUrl = $"{request.Scheme}://{request.Host}{request.PathBase}{Prefix}";
        var response = new DicomDataset();
        if (study is not null && stored.Count > 0)
        {
            response.AddOrUpdate(DicomTag.RetrieveURL, DicomVR.UR, $"{baseUrl}/studies/{study}");
        }

        if (failed.Count > 0)
        {
            response.Add(new DicomSequence(DicomTag.FailedSOPSequence, failed.Select(f =>
            {
                var item = new DicomDataset()
                    .AddOrUpdate(DicomTag.ReferencedSOPClassUID, DicomVR.UI, f.SopClassUid ?? "")
                    .AddOrUpdate(DicomTag.ReferencedSOPInstanceUID, DicomVR.UI, f.SopInstanceUid ?? "");
                return item.AddOrUpdate(DicomTag.FailureReason, DicomVR.US, f.Reason);
            })));
        }

        if (stored.Count > 0)
        {
            response.Add(new DicomSequence(DicomTag.ReferencedSOPSequence, stored.Select(s => new DicomDataset()
                .AddOrUpdate(DicomTag.ReferencedSOPClassUID, DicomVR.UI, s.Instance.SopClassUid)
                .AddOrUpdate(DicomTag.ReferencedSOPInstanceUID, DicomVR.UI, s.Instance.SopInstanceUid)
                .AddOrUpdate(DicomTag.RetrieveURL, DicomVR.UR,
                    $"{baseUrl}/studies/{s.Instance.StudyInstanceUid}/series/{s.Instance.SeriesInstanceUid}/instances/{s.Instance.SopInstanceUid}"))));
        }

        return response;
    }
}
