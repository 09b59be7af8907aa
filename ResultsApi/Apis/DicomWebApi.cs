using Imaging.Dicom;
using Imaging.ResultsApi.Auth;
using Imaging.ResultsApi.Data;
using Imaging.ResultsApi.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Imaging.ResultsApi.Apis;

/// <summary>
/// DICOMweb (PS3.18) on the instance store, scoped to the caller's source. STOW-RS: POST /dicom-web/studies[/{study}]
/// with multipart/related; type="application/dicom", answered with the Store Instances Response as DICOM JSON.
/// </summary>
public static class DicomWebApi
{
    public const string Prefix = "/dicom-web";

    public static RouteGroupBuilder MapDicomWebApi(this RouteGroupBuilder dicomWeb)
    {
        dicomWeb.WithTags("dicomweb");
        dicomWeb.MapPost("/studies", (HttpRequest request, ResultsDbContext db, DicomInstanceStore store, IOptions<StorageOptions> options, CancellationToken ct) =>
            StoreAsync(request, null, db, store, options, ct)).WithName("stow_rs").DisableAntiforgery()
            .WithSummary("STOW-RS: store instances (multipart/related; type=\"application/dicom\").");
        dicomWeb.MapPost("/studies/{study}", (string study, HttpRequest request, ResultsDbContext db, DicomInstanceStore store, IOptions<StorageOptions> options,
            CancellationToken ct) => StoreAsync(request, study, db, store, options, ct)).WithName("stow_rs_study").DisableAntiforgery()
            .WithSummary("STOW-RS: store instances of one study.");
        return dicomWeb;
    }

    private static async Task<IResult> StoreAsync(HttpRequest request, string? study, ResultsDbContext db, DicomInstanceStore store,
        IOptions<StorageOptions> options, CancellationToken ct)
    {
        if (study is not null && DicomUid.Validate(study) is { } invalidStudy)
        {
            return ApiProblems.BadRequest("Invalid Study Instance UID", invalidStudy);
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType) || !contentType.MediaType.Equals("multipart/related", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(title: "Unsupported media type", detail: "STOW-RS takes multipart/related; type=\"application/dicom\".",
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
            return ApiProblems.BadRequest("No boundary", "The multipart/related content type names no (or an implausible) boundary.");
        }

        var source = CurrentUser.From(request.HttpContext.User).SourceId;
        var reader = new MultipartReader(boundary, request.Body) { BodyLengthLimit = options.Value.MaxUploadBytes };
        List<StoredInstance> stored = [];
        List<StoreFailure> failed = [];
        try
        {
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (section.ContentType is { } partType && !partType.StartsWith("application/dicom", StringComparison.OrdinalIgnoreCase))
                {
                    failed.Add(new StoreFailure(StoreFailure.CannotUnderstand, $"A part of type '{partType}' is not an application/dicom instance."));
                    continue;
                }

                var (instance, failure) = await store.StoreAsync(db, source, section.Body, study, ct);
                if (instance is not null)
                {
                    stored.Add(instance);
                }
                else
                {
                    failed.Add(failure!);
                }
            }
        }
        catch (InvalidDataException malformed)
        {
            // The multipart body is cut short or over the limit; what was stored before stays stored and is reported.
            failed.Add(new StoreFailure(StoreFailure.CannotUnderstand, $"The multipart body is malformed: {malformed.Message}"));
        }

        if (stored.Count == 0 && failed.Count == 0)
        {
            return ApiProblems.BadRequest("No instances", "The multipart/related body holds no parts.");
        }

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
