using Imaging.Dicom;
using Imaging.ResultsApi.Auth;
using Imaging.ResultsApi.Data;
using Imaging.ResultsApi.OpenApi;
using Imaging.ResultsApi.Storage;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;

namespace Imaging.ResultsApi.Apis;

/// <summary>
/// DICOMweb (PS3.18) on the instance store, scoped to the caller's source. STOW-RS: POST /dicom-web/studies[/{study}]
/// with multipart/related; type="application/dicom", answered with the Store Instances Response as DICOM JSON.
/// </summary>
public static class DicomWebApi
{
    public const string Prefix = "/dicom-web";

    private const int StowProgressParts = 100;

    public static RouteGroupBuilder MapDicomWebApi(this RouteGroupBuilder dicomWeb)
    {
        dicomWeb.WithTags("dicomweb");
        dicomWeb.MapPost("/studies", (HttpRequest request, ResultsDbContext db, DicomInstanceStore store, IOptions<StorageOptions> options, ILoggerFactory loggers,
            CancellationToken ct) => StoreAsync(request, null, db, store, options, loggers, ct)).WithName("stow_rs").DisableAntiforgery().AcceptsUpload()
            .WithSummary("STOW-RS: store instances (multipart/related; type=\"application/dicom\").").Stow();
        dicomWeb.MapPost("/studies/{study}", (string study, HttpRequest request, ResultsDbContext db, DicomInstanceStore store, IOptions<StorageOptions> options,
            ILoggerFactory loggers, CancellationToken ct) => StoreAsync(request, study, db, store, options, loggers, ct)).WithName("stow_rs_study").DisableAntiforgery().AcceptsUpload()
            .WithSummary("STOW-RS: store instances of one study.").Stow();

        dicomWeb.MapGet("/studies/{study}", (string study, HttpContext http, ResultsDbContext db, ResultStorage storage, CancellationToken ct) =>
            RetrieveAsync(http, db, storage, study, null, null, ct)).WithName("wado_rs_study").WithSummary("WADO-RS: a study's instances.").Wado();
        dicomWeb.MapGet("/studies/{study}/series/{series}", (string study, string series, HttpContext http, ResultsDbContext db, ResultStorage storage,
            CancellationToken ct) => RetrieveAsync(http, db, storage, study, series, null, ct)).WithName("wado_rs_series").WithSummary("WADO-RS: a series' instances.")
            .Wado();
        dicomWeb.MapGet("/studies/{study}/series/{series}/instances/{instance}", (string study, string series, string instance, HttpContext http,
            ResultsDbContext db, ResultStorage storage, CancellationToken ct) => RetrieveAsync(http, db, storage, study, series, instance, ct))
            .WithName("wado_rs_instance").WithSummary("WADO-RS: one instance.").Wado();
        dicomWeb.MapGet("/studies/{study}/series/{series}/instances/{instance}/frames/{frames}", FramesAsync)
            .WithName("wado_rs_frames").WithSummary("WADO-RS: uncompressed frames (1-based, comma-separated) as application/octet-stream parts.")
            .WithHeader("Accept", "multipart/related; type=\"application/octet-stream\" (or */*); anything else is 406.")
            .ProducesBody(StatusCodes.Status200OK, "multipart/related", JsonSchemaType.String, "One application/octet-stream part per frame, in the order asked.")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status406NotAcceptable,
                StatusCodes.Status422UnprocessableEntity, StatusCodes.Status501NotImplemented);
        dicomWeb.MapGet("/studies/{study}/metadata", (string study, HttpContext http, ResultsDbContext db, ResultStorage storage, CancellationToken ct) =>
            MetadataAsync(http, db, storage, study, null, null, ct)).WithName("wado_rs_study_metadata").WithSummary("WADO-RS: a study's metadata as DICOM JSON.")
            .Metadata();
        dicomWeb.MapGet("/studies/{study}/series/{series}/metadata", (string study, string series, HttpContext http, ResultsDbContext db, ResultStorage storage,
            CancellationToken ct) => MetadataAsync(http, db, storage, study, series, null, ct)).WithName("wado_rs_series_metadata")
            .WithSummary("WADO-RS: a series' metadata as DICOM JSON.").Metadata();
        dicomWeb.MapGet("/studies/{study}/series/{series}/instances/{instance}/metadata", (string study, string series, string instance, HttpContext http,
            ResultsDbContext db, ResultStorage storage, CancellationToken ct) => MetadataAsync(http, db, storage, study, series, instance, ct))
            .WithName("wado_rs_instance_metadata").WithSummary("WADO-RS: one instance's metadata as DICOM JSON.").Metadata();

        dicomWeb.MapGet("/studies", (HttpContext http, ResultsDbContext db, ResultStorage storage, CancellationToken ct) => SearchAsync(http, db, storage, QueryLevel.Study, null, null, ct))
            .WithName("qido_rs_studies").WithSummary("QIDO-RS: search studies.").Qido();
        dicomWeb.MapGet("/series", (HttpContext http, ResultsDbContext db, ResultStorage storage, CancellationToken ct) => SearchAsync(http, db, storage, QueryLevel.Series, null, null, ct))
            .WithName("qido_rs_series").WithSummary("QIDO-RS: search series.").Qido();
        dicomWeb.MapGet("/studies/{study}/series", (string study, HttpContext http, ResultsDbContext db, ResultStorage storage, CancellationToken ct) =>
            SearchAsync(http, db, storage, QueryLevel.Series, study, null, ct)).WithName("qido_rs_study_series")
            .WithSummary("QIDO-RS: search the series of a study.").Qido();
        dicomWeb.MapGet("/studies/{study}/series/{series}/instances", (string study, string series, HttpContext http, ResultsDbContext db, ResultStorage storage,
            CancellationToken ct) =>
            SearchAsync(http, db, storage, QueryLevel.Instance, study, series, ct)).WithName("qido_rs_series_instances")
            .WithSummary("QIDO-RS: search the instances of a series.").Qido();
        dicomWeb.MapGet("/instances", (HttpContext http, ResultsDbContext db, ResultStorage storage, CancellationToken ct) => SearchAsync(http, db, storage, QueryLevel.Instance, null, null, ct))
            .WithName("qido_rs_instances").WithSummary("QIDO-RS: search instances.").Qido();
        return dicomWeb;
    }

    private static RouteHandlerBuilder Stow(this RouteHandlerBuilder builder) => builder
        .WithDescription("Each part is one instance. The answer is the Store Instances Response (DICOM JSON): 200 when every instance was "
            + "stored, 202 when some were, 409 when none was (its FailedSOPSequence says why for each).")
        .AcceptsRaw("multipart/related", "multipart/related; type=\"application/dicom\"; boundary=…, one DICOM Part-10 instance per part.")
        .ProducesBody(StatusCodes.Status200OK, DicomJsonType, JsonSchemaType.Object, "Store Instances Response: every instance stored (ReferencedSOPSequence).")
        .ProducesBody(StatusCodes.Status202Accepted, DicomJsonType, JsonSchemaType.Object, "Store Instances Response: some instances stored, the others in FailedSOPSequence.")
        .ProducesBody(StatusCodes.Status409Conflict, DicomJsonType, JsonSchemaType.Object, "Store Instances Response: no instance stored; FailedSOPSequence says why.")
        .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

    private static RouteHandlerBuilder Wado(this RouteHandlerBuilder builder) => builder
        .WithHeader("Accept", "multipart/related; type=\"application/dicom\" (or */*); anything else is 406.")
        .ProducesBody(StatusCodes.Status200OK, "multipart/related", JsonSchemaType.String, "multipart/related; type=\"application/dicom\": one Part-10 instance per part.")
        .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status406NotAcceptable);

    private static RouteHandlerBuilder Metadata(this RouteHandlerBuilder builder) => builder
        .ProducesBody(StatusCodes.Status200OK, DicomJsonType, JsonSchemaType.Array, "One DICOM JSON dataset per instance, without bulk data.")
        .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

    private static RouteHandlerBuilder Qido(this RouteHandlerBuilder builder) => builder
        .WithDescription("Matching keys: PatientID, PatientName, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID, AccessionNumber, Modality "
            + "(ModalitiesInStudy), StudyDate (yyyymmdd or a range); includefield (keywords, tags or 'all'), limit (1 to 1000), offset, fuzzymatching.")
        .WithQueryParameter("PatientID", "Match this patient id.")
        .WithQueryParameter("StudyDate", "A DICOM date or range: yyyymmdd, yyyymmdd-, -yyyymmdd or yyyymmdd-yyyymmdd.")
        .WithQueryParameter("includefield", "Further attributes to answer: keywords, eight-digit tags, or 'all'; comma-separated.")
        .WithQueryParameter("limit", "How many matches to answer at most (1 to 1000).")
        .WithQueryParameter("offset", "How many matches to skip, for paging.")
        .ProducesBody(StatusCodes.Status200OK, DicomJsonType, JsonSchemaType.Array, "The matches, one DICOM JSON dataset each.")
        .ProducesProblems(StatusCodes.Status400BadRequest);

    private const string DicomJsonType = "application/dicom+json";

    private static async Task<IResult> RetrieveAsync(HttpContext http, ResultsDbContext db, ResultStorage storage, string study, string? series, string? instance,
        CancellationToken ct)
    {
        if (!Accepts(http.Request, "multipart/related"))
        {
            return TypedResults.Problem(title: "Unsupported Accept", detail: "WADO-RS answers multipart/related; type=\"application/dicom\": ask for that (or */*) in Accept.",
                statusCode: StatusCodes.Status406NotAcceptable);
        }

        var (found, refused) = await FindAsync(http, db, study, series, instance, ct);
        return refused ?? MultipartRelated.Dicom([.. found!.Select(i => storage.DicomPath(i.SourceId, i.StudyInstanceUid, i.SeriesInstanceUid, i.SopInstanceUid))], ct);
    }

    private static async Task<IResult> FramesAsync(string study, string series, string instance, string frames, HttpContext http, ResultsDbContext db,
        ResultStorage storage, CancellationToken ct)
    {
        var numbers = frames.Split(',').Select(f => int.TryParse(f, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0).ToList();
        if (numbers.Count > 1000 || numbers.Any(n => n < 1))
        {
            return ApiProblems.BadRequest("Invalid frame list", "Give frames as 1-based numbers separated by commas, such as 1,3,5.");
        }

        var (found, refused) = await FindAsync(http, db, study, series, instance, ct);
        if (refused is not null)
        {
            return refused;
        }

        var row = found![0];
        var file = DicomReader.ReadFile(storage.DicomPath(row.SourceId, row.StudyInstanceUid, row.SeriesInstanceUid, row.SopInstanceUid));
        var data = file.Dataset;
        var count = row.NumberOfFrames;
        if (numbers.FirstOrDefault(n => n > count) is var missing and > 0)
        {
            return TypedResults.Problem(title: "No such frame", detail: $"The instance has frames 1 to {count}, not {missing}; ask for frames in that range.", statusCode: StatusCodes.Status404NotFound);
        }

        if (data[DicomTag.PixelData] is DicomFragments fragments)
        {
            return CompressedFrames(http.Request, file.TransferSyntax, fragments, count, numbers, ct);
        }

        if (data[DicomTag.PixelData] is not DicomElement pixels)
        {
            return TypedResults.Problem(title: "No pixel data", detail: "The instance has no pixel data, so it has no frames; retrieve the whole instance instead.", statusCode: StatusCodes.Status404NotFound);
        }

        if (!Accepts(http.Request, "application/octet-stream"))
        {
            return TypedResults.Problem(title: "Unsupported Accept", statusCode: StatusCodes.Status406NotAcceptable,
                detail: "The frames are uncompressed; ask for multipart/related; type=\"application/octet-stream\" (this server does not compress frames on request).");
        }

        var frameBytes = (long)data.GetValue<ushort>(DicomTag.Rows) * data.GetValue<ushort>(DicomTag.Columns)
            * (data.GetString(DicomTag.SamplesPerPixel) is null ? 1 : data.GetValue<ushort>(DicomTag.SamplesPerPixel)) * (data.GetValue<ushort>(DicomTag.BitsAllocated) / 8);
        var all = pixels.Bytes;
        if (all.Length < count * frameBytes)
        {
            return TypedResults.Problem(title: "Unreadable pixel data", detail: $"The pixel data holds {all.Length} bytes, less than {count} frames of {frameBytes}: the instance is damaged. Store a sound copy again.",
                statusCode: StatusCodes.Status422UnprocessableEntity);
        }

        return MultipartRelated.Frames([.. numbers.Select(n => all.Slice((int)((n - 1) * frameBytes), (int)frameBytes))], "application/octet-stream", null, ct);
    }

    /// <summary>
    /// Compressed frames as stored, in their media type (PS3.18 Table 8.7.3-2) with the transfer syntax: one fragment
    /// per frame, all fragments for a single frame, or the Basic Offset Table to say where each frame starts. The
    /// server does not transcode, so a client that accepts none of the stored type gets 406.
    /// </summary>
    private static IResult CompressedFrames(HttpRequest request, TransferSyntax syntax, DicomFragments fragments, int count, List<int> numbers, CancellationToken ct)
    {
        var mediaType = syntax.Uid switch
        {
            "1.2.840.10008.1.2.4.50" or "1.2.840.10008.1.2.4.51" or "1.2.840.10008.1.2.4.57" or "1.2.840.10008.1.2.4.70" => "image/jpeg",
            "1.2.840.10008.1.2.4.80" or "1.2.840.10008.1.2.4.81" => "image/jls",
            "1.2.840.10008.1.2.4.90" or "1.2.840.10008.1.2.4.91" => "image/jp2",
            "1.2.840.10008.1.2.5" => "image/dicom-rle",
            _ => "application/octet-stream",
        };
        if (!Accepts(request, mediaType))
        {
            return TypedResults.Problem(title: "Unsupported Accept", statusCode: StatusCodes.Status406NotAcceptable,
                detail: $"The frames are stored as {syntax.Name} and sent as {mediaType}; this server does not transcode them. Ask for {mediaType} (or */*).");
        }

        var frames = FramesOf(fragments, count);
        if (frames is null)
        {
            return TypedResults.Problem(title: "Frames not delimited", statusCode: StatusCodes.Status501NotImplemented,
                detail: $"The {fragments.Fragments.Count} fragments of this {count}-frame instance have no Basic Offset Table to say where each frame starts; retrieve the whole instance instead.");
        }

        return MultipartRelated.Frames([.. numbers.Select(n => frames[n - 1])], mediaType, syntax.Uid, ct);
    }

    /// <summary>Each frame's bytes (its fragments joined); null when the fragments cannot be assigned to frames.</summary>
    internal static List<ReadOnlyMemory<byte>>? FramesOf(DicomFragments fragments, int count)
    {
        var items = fragments.Fragments;
        if (items.Count == count)
        {
            return [.. items];
        }

        if (count == 1)
        {
            return [Join(items)];
        }

        var table = fragments.OffsetTable.Span;
        if (table.Length != count * 4)
        {
            return null;
        }

        // Offsets count from the first fragment's item tag; every item has an 8-byte tag and length before its value.
        var starts = new List<long>(items.Count);
        long position = 0;
        foreach (var item in items)
        {
            starts.Add(position);
            position += 8 + item.Length;
        }

        var frames = new List<ReadOnlyMemory<byte>>(count);
        for (var f = 0; f < count; f++)
        {
            long from = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(table[(f * 4)..]);
            var to = f + 1 < count ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(table[((f + 1) * 4)..]) : long.MaxValue;
            var parts = items.Where((_, i) => starts[i] >= from && starts[i] < to).ToList();
            if (parts.Count == 0 || !starts.Contains(from))
            {
                return null;
            }

            frames.Add(Join(parts));
        }

        return frames;
    }

    private static ReadOnlyMemory<byte> Join(List<ReadOnlyMemory<byte>> parts)
    {
        if (parts.Count == 1)
        {
            return parts[0];
        }

        var joined = new byte[parts.Sum(p => p.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(joined.AsMemory(offset));
            offset += part.Length;
        }

        return joined;
    }

    private static async Task<IResult> MetadataAsync(HttpContext http, ResultsDbContext db, ResultStorage storage, string study, string? series, string? instance,
        CancellationToken ct)
    {
        var (found, refused) = await FindAsync(http, db, study, series, instance, ct);
        if (refused is not null)
        {
            return refused;
        }

        var baseUrl = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{Prefix}";
        var json = new System.Text.StringBuilder("[");
        foreach (var row in found!)
        {
            var file = DicomReader.ReadFile(storage.DicomPath(row.SourceId, row.StudyInstanceUid, row.SeriesInstanceUid, row.SopInstanceUid));
            var instanceUrl = $"{baseUrl}/studies/{row.StudyInstanceUid}/series/{row.SeriesInstanceUid}/instances/{row.SopInstanceUid}";
            // Bulk data (pixel data and other large values) is referenced, not inlined, as PS3.18 asks of metadata.
            var options = new DicomJsonOptions { BulkDataUri = item => item.Tag == DicomTag.PixelData ? $"{instanceUrl}/frames/1" : null };
            json.Append(json.Length > 1 ? "," : "").Append(DicomJson.Serialize(file.Dataset, options));
        }

        return TypedResults.Text(json.Append(']').ToString(), "application/dicom+json", System.Text.Encoding.UTF8);
    }

    private enum QueryLevel
    {
        Study,
        Series,
        Instance,
    }

    /// <summary>
    /// QIDO-RS on the index: the standard matching keys by keyword or tag (PatientID, PatientName, StudyInstanceUID,
    /// AccessionNumber, StudyDate with ranges, Modality, SeriesInstanceUID, SOPInstanceUID), * and ? wildcards on
    /// text keys, limit and offset; one DICOM JSON dataset per match with the level's attributes.
    /// </summary>
    private static async Task<IResult> SearchAsync(HttpContext http, ResultsDbContext db, ResultStorage storage, QueryLevel level, string? study, string? series,
        CancellationToken ct)
    {
        var source = CurrentUser.From(http.User).SourceId;
        var query = db.Instances.AsNoTracking().Where(i => i.SourceId == source);
        if (study is not null)
        {
            query = query.Where(i => i.StudyInstanceUid == study);
        }

        if (series is not null)
        {
            query = query.Where(i => i.SeriesInstanceUid == series);
        }

        var parameters = http.Request.Query;
        var limit = 100;
        var offset = 0;
        var includeAll = false;
        List<DicomTag> included = [];
        foreach (var (key, values) in parameters)
        {
            var value = values.ToString();
            switch (Keyword(key))
            {
                case "limit" when int.TryParse(value, out var l) && l is > 0 and <= 1000:
                    limit = l;
                    break;
                case "offset" when int.TryParse(value, out var o) && o >= 0:
                    offset = o;
                    break;
                case "limit" or "offset":
                    return ApiProblems.BadRequest("Invalid paging", $"'{key}' must be a whole number (limit 1 to 1000, offset 0 or more).");
                case "includefield":
                    foreach (var field in values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
                    {
                        if (field == "all")
                        {
                            includeAll = true;
                        }
                        else if (TagOf(field) is { } tag)
                        {
                            included.Add(tag);
                        }
                        else
                        {
                            return ApiProblems.BadRequest("Unknown attribute", $"includefield '{field}' is neither 'all', a keyword nor an eight-digit tag; use one of those, such as PatientAge or 00101010.");
                        }
                    }

                    break;
                case "fuzzymatching":
                    break;
                case "PatientID":
                    query = query.Where(Match<DicomInstance>(i => i.PatientId, value));
                    break;
                case "PatientName":
                    query = query.Where(Match<DicomInstance>(i => i.PatientName, value));
                    break;
                case "StudyInstanceUID":
                    query = query.Where(i => value.Split(',', StringSplitOptions.None).Contains(i.StudyInstanceUid));
                    break;
                case "SeriesInstanceUID":
                    query = query.Where(i => value.Split(',', StringSplitOptions.None).Contains(i.SeriesInstanceUid));
                    break;
                case "SOPInstanceUID":
                    query = query.Where(i => value.Split(',', StringSplitOptions.None).Contains(i.SopInstanceUid));
                    break;
                case "AccessionNumber":
                    query = query.Where(Match<DicomInstance>(i => i.AccessionNumber, value));
                    break;
                case "Modality" or "ModalitiesInStudy":
                    query = query.Where(i => i.Modality == value);
                    break;
                case "StudyDate":
                    if (!TryDateRange(value, out var from, out var to))
                    {
                        return ApiProblems.BadRequest("Invalid StudyDate", $"'{value}' is not a DICOM date or range (yyyymmdd, yyyymmdd-, -yyyymmdd, yyyymmdd-yyyymmdd).");
                    }

                    query = query.Where(i => i.StudyDate != null && string.Compare(i.StudyDate, from) >= 0 && string.Compare(i.StudyDate, to) <= 0);
                    break;
                default:
                    return ApiProblems.BadRequest("Unsupported query key", $"'{key}' is not a matching key this server supports; use PatientID, PatientName, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID, AccessionNumber, Modality, ModalitiesInStudy or StudyDate.");
            }
        }

        var rows = await query.ToListAsync(ct);
        var groups = level switch
        {
            QueryLevel.Study => rows.GroupBy(i => i.StudyInstanceUid).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToList()),
            QueryLevel.Series => rows.GroupBy(i => i.SeriesInstanceUid).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToList()),
            _ => rows.OrderBy(i => i.SeriesInstanceUid, StringComparer.Ordinal).ThenBy(i => i.InstanceNumber).ThenBy(i => i.SopInstanceUid, StringComparer.Ordinal)
                .Select(i => new List<DicomInstance> { i }),
        };
        var baseUrl = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{Prefix}";
        var page = groups.Skip(offset).Take(limit).Select(g =>
        {
            var described = Describe(level, g, baseUrl);
            if (includeAll || included.Count > 0)
            {
                Include(described, storage, g[0], includeAll, included);
            }

            return DicomJson.Serialize(described);
        });
        return TypedResults.Text("[" + string.Join(",", page) + "]", "application/dicom+json", System.Text.Encoding.UTF8);
    }

    /// <summary>
    /// includefield (PS3.18 8.3.4): the attributes beyond the level's defaults come from the group's first stored
    /// instance (study and series attributes are the same in all of them); "all" adds every attribute but the pixel data.
    /// </summary>
    private static void Include(DicomDataset described, ResultStorage storage, DicomInstance first, bool all, List<DicomTag> tags)
    {
        var stored = DicomReader.ReadFile(storage.DicomPath(first.SourceId, first.StudyInstanceUid, first.SeriesInstanceUid, first.SopInstanceUid),
            new DicomReaderOptions { StopAt = DicomTag.PixelData }).Dataset;
        foreach (var item in stored)
        {
            if (!described.Contains(item.Tag) && item.Tag != DicomTag.PixelData && (all || tags.Contains(item.Tag)))
            {
                described.Add(item);
            }
        }
    }

    private static DicomTag? TagOf(string field)
    {
        if (field.Length == 8 && uint.TryParse(field, System.Globalization.NumberStyles.HexNumber, null, out var number))
        {
            return new DicomTag((ushort)(number >> 16), (ushort)number);
        }

        return DicomDictionary.TryGetByKeyword(field, out var entry) ? entry.Tag : null;
    }

    private static DicomDataset Describe(QueryLevel level, List<DicomInstance> group, string baseUrl)
    {
        var first = group[0];
        var dataset = new DicomDataset()
            .AddOrUpdate(DicomTag.StudyInstanceUID, DicomVR.UI, first.StudyInstanceUid)
            .AddOrUpdate(DicomTag.PatientID, DicomVR.LO, first.PatientId ?? "")
            .AddOrUpdate(DicomTag.PatientName, DicomVR.PN, first.PatientName ?? "")
            .AddOrUpdate(DicomTag.StudyDate, DicomVR.DA, first.StudyDate ?? "")
            .AddOrUpdate(DicomTag.AccessionNumber, DicomVR.SH, first.AccessionNumber ?? "")
            .AddOrUpdate(DicomTag.StudyDescription, DicomVR.LO, first.StudyDescription ?? "");
        var studyUrl = $"{baseUrl}/studies/{first.StudyInstanceUid}";
        switch (level)
        {
            case QueryLevel.Study:
                dataset.AddOrUpdate(DicomTag.ModalitiesInStudy, DicomVR.CS, [.. group.Select(i => i.Modality ?? "").Where(m => m.Length > 0).Distinct().Order(StringComparer.Ordinal)])
                    .AddOrUpdate(DicomTag.NumberOfStudyRelatedSeries, DicomVR.IS, group.Select(i => i.SeriesInstanceUid).Distinct().Count().ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .AddOrUpdate(DicomTag.NumberOfStudyRelatedInstances, DicomVR.IS, group.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .AddOrUpdate(DicomTag.RetrieveURL, DicomVR.UR, studyUrl);
                break;
            case QueryLevel.Series:
                dataset.AddOrUpdate(DicomTag.SeriesInstanceUID, DicomVR.UI, first.SeriesInstanceUid)
                    .AddOrUpdate(DicomTag.Modality, DicomVR.CS, first.Modality ?? "")
                    .AddOrUpdate(DicomTag.SeriesDescription, DicomVR.LO, first.SeriesDescription ?? "")
                    .AddOrUpdate(DicomTag.SeriesNumber, DicomVR.IS, first.SeriesNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "")
                    .AddOrUpdate(DicomTag.NumberOfSeriesRelatedInstances, DicomVR.IS, group.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .AddOrUpdate(DicomTag.RetrieveURL, DicomVR.UR, $"{studyUrl}/series/{first.SeriesInstanceUid}");
                break;
            default:
                dataset.AddOrUpdate(DicomTag.SeriesInstanceUID, DicomVR.UI, first.SeriesInstanceUid)
                    .AddOrUpdate(DicomTag.Modality, DicomVR.CS, first.Modality ?? "")
                    .AddOrUpdate(DicomTag.SOPClassUID, DicomVR.UI, first.SopClassUid)
                    .AddOrUpdate(DicomTag.SOPInstanceUID, DicomVR.UI, first.SopInstanceUid)
                    .AddOrUpdate(DicomTag.InstanceNumber, DicomVR.IS, first.InstanceNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "")
                    .AddOrUpdate(DicomTag.NumberOfFrames, DicomVR.IS, first.NumberOfFrames.ToString(System.Globalization.CultureInfo.InvariantCulture))
                    .AddOrUpdate(DicomTag.RetrieveURL, DicomVR.UR, $"{studyUrl}/series/{first.SeriesInstanceUid}/instances/{first.SopInstanceUid}");
                break;
        }

        return dataset;
    }

    private static async Task<(List<DicomInstance>? Found, IResult? Refusal)> FindAsync(HttpContext http, ResultsDbContext db, string study, string? series,
        string? instance, CancellationToken ct)
    {
        foreach (var uid in new[] { study, series, instance }.OfType<string>())
        {
            if (DicomUid.Validate(uid) is { } invalid)
            {
                return (null, ApiProblems.BadRequest("Invalid UID", $"'{(uid.Length > 70 ? uid[..70] : uid)}': {invalid}. Use a UID of digits and dots, at most 64 characters."));
            }
        }

        var source = CurrentUser.From(http.User).SourceId;
        var found = await db.Instances.AsNoTracking()
            .Where(i => i.SourceId == source && i.StudyInstanceUid == study && (series == null || i.SeriesInstanceUid == series) && (instance == null || i.SopInstanceUid == instance))
            .OrderBy(i => i.SeriesInstanceUid).ThenBy(i => i.InstanceNumber).ThenBy(i => i.SopInstanceUid).ToListAsync(ct);
        // Another source's study is as absent as one never stored: its existence is not revealed.
        return found.Count == 0
            ? (null, TypedResults.Problem(title: $"{(instance is not null ? "Instance" : series is not null ? "Series" : "Study")} not found",
                detail: $"Your source has no {(instance is not null ? "instance" : series is not null ? "series" : "study")} with that UID; check the UID, or store the instances first (POST /dicom-web/studies).",
                statusCode: StatusCodes.Status404NotFound))
            : (found, null);
    }

    private static bool Accepts(HttpRequest request, string mediaType)
    {
        var accept = request.Headers.Accept.ToString();
        return accept.Length == 0 || accept.Contains("*/*", StringComparison.Ordinal) || accept.Contains(mediaType, StringComparison.OrdinalIgnoreCase);
    }

    private static string Keyword(string key) =>
        key.Length == 8 && uint.TryParse(key, System.Globalization.NumberStyles.HexNumber, null, out var tag) && DicomDictionary.TryGet(new DicomTag((ushort)(tag >> 16), (ushort)tag), out var entry)
            ? entry.Keyword
            : key;

    // DICOM matching: exact, or with * and ? as wildcards (translated to SQL LIKE, escaping LIKE's own specials).
    private static System.Linq.Expressions.Expression<Func<T, bool>> Match<T>(System.Linq.Expressions.Expression<Func<T, string?>> field, string value)
    {
        var parameter = field.Parameters[0];
        if (!value.Contains('*') && !value.Contains('?'))
        {
            return System.Linq.Expressions.Expression.Lambda<Func<T, bool>>(
                System.Linq.Expressions.Expression.Equal(field.Body, System.Linq.Expressions.Expression.Constant(value, typeof(string))), parameter);
        }

        var pattern = value.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_").Replace('*', '%').Replace('?', '_');
        var like = typeof(DbFunctionsExtensions).GetMethod(nameof(DbFunctionsExtensions.Like), [typeof(DbFunctions), typeof(string), typeof(string)])!;
        return System.Linq.Expressions.Expression.Lambda<Func<T, bool>>(
            System.Linq.Expressions.Expression.Call(like, System.Linq.Expressions.Expression.Constant(EF.Functions), field.Body,
                System.Linq.Expressions.Expression.Constant(pattern)), parameter);
    }

    private static bool TryDateRange(string value, out string from, out string to)
    {
        var parts = value.Split('-');
        (from, to) = parts.Length switch
        {
            1 => (parts[0], parts[0]),
            2 => (parts[0].Length == 0 ? "00000000" : parts[0], parts[1].Length == 0 ? "99999999" : parts[1]),
            _ => ("", ""),
        };
        return IsDate(from) && IsDate(to);

        static bool IsDate(string text) => text.Length == 8 && text.All(char.IsAsciiDigit);
    }

    private static async Task<IResult> StoreAsync(HttpRequest request, string? study, ResultsDbContext db, DicomInstanceStore store,
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
