namespace Imaging.ResultsApi.Apis;

/// <summary>WADO-RS: instances, frames (with the transfer syntaxes asked for) and metadata, read from the instance store.</summary>
public static partial class DicomWebApi
{
    private static async Task<Results<MultipartRelated.DicomParts, ProblemHttpResult>> RetrieveAsync(HttpContext http, ResultsDbContext db, ResultStorage storage, string study, string? series, string? instance,
        CancellationToken ct)
    {
        if (!Accepts(http.Request, "multipart/related"))
        {
            return TypedResults.Problem(title: "Unsupported Accept", detail: "WADO-RS answers multipart/related; type=\"application/dicom\": ask for that (or */*) in Accept.",
                statusCode: StatusCodes.Status406NotAcceptable);
        }

        var (found, refused) = await FindAsync(http, db, study, series, instance, ct);
        if (refused is not null)
        {
            return refused;
        }

        return MultipartRelated.Dicom([.. found!.Select(i => storage.DicomPath(i.SourceId, i.StudyInstanceUid, i.SeriesInstanceUid, i.SopInstanceUid))], ct);
    }

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> FramesAsync(string study, string series, string instance, string frames, HttpContext http, ResultsDbContext db,
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
    private static Results<PushStreamHttpResult, ProblemHttpResult> CompressedFrames(HttpRequest request, TransferSyntax syntax, DicomFragments fragments, int count, List<int> numbers, CancellationToken ct)
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

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> MetadataAsync(HttpContext http, ResultsDbContext db, ResultStorage storage, string study, string? series, string? instance,
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
}
