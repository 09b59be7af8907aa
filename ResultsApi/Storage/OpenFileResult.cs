using Microsoft.AspNetCore.Http.Headers;
using Microsoft.Net.Http.Headers;
using Microsoft.Win32.SafeHandles;

namespace Imaging.ResultsApi.Storage;

/// <summary>
/// A file served from a handle that is already open: ETag and Last-Modified, the conditional requests of RFC 9110
/// (If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since), one byte range (with If-Range) and 416, then the
/// bytes read straight into the response pipe. ASP.NET's PhysicalFile result does the same from a path, which costs an
/// lstat per look and an open of its own; on the DICOM GET path that was a third of the file-system calls. The handle
/// is closed when the result has run.
/// </summary>
public sealed class OpenFileResult(SafeFileHandle file, string path, string contentType) : IResult
{
    public async Task ExecuteAsync(HttpContext http)
    {
        using var _ = file;
        var (request, response) = (http.Request, http.Response);
        var length = RandomAccess.GetLength(file);
        var written = File.GetLastWriteTimeUtc(file);
        var lastModified = TruncateToSeconds(written);
        var etag = new EntityTagHeaderValue($"\"{length:x}-{written.Ticks:x}\"");
        response.ContentType = contentType;
        response.Headers.AcceptRanges = "bytes";
        response.Headers.ETag = etag.ToString();
        response.Headers.LastModified = HeaderUtilities.FormatDate(lastModified);

        // Only parsed when present: most requests carry none of these headers.
        var headers = request.Headers.IfMatch.Count + request.Headers.IfNoneMatch.Count + request.Headers.IfModifiedSince.Count
            + request.Headers.IfUnmodifiedSince.Count + request.Headers.Range.Count > 0 ? request.GetTypedHeaders() : null;
        if (headers is not null && Precondition(headers, etag, lastModified) is { } status)
        {
            response.StatusCode = status;
            return;
        }

        var (offset, count) = (0L, length);
        // One range of bytes; several ranges (multipart/byteranges) or another unit are answered with the whole file.
        if (headers?.Range is { Ranges.Count: 1 } range && range.Unit.Equals("bytes", StringComparison.OrdinalIgnoreCase)
            && RangeApplies(headers, etag, lastModified))
        {
            if (Satisfiable(range, length) is not { } chosen)
            {
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                response.Headers.ContentRange = new ContentRangeHeaderValue(length).ToString();
                return;
            }

            (offset, count) = chosen;
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = new ContentRangeHeaderValue(offset, offset + count - 1, length).ToString();
        }

        response.ContentLength = count;
        // Started first: memory taken from the writer before the headers are written is copied again behind them.
        await response.StartAsync(http.RequestAborted);
        await PipeFileSender.CopyAsync(file, path, offset, count, response.BodyWriter, http.RequestAborted);
    }

    /// <summary>412 or 304 when a condition says so (RFC 9110, 13.2.2: the order in which they are evaluated); else null.</summary>
    private static int? Precondition(RequestHeaders headers, EntityTagHeaderValue etag, DateTimeOffset lastModified)
    {
        if (headers.IfMatch is { Count: > 0 } ifMatch)
        {
            if (!ifMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: true)))
            {
                return StatusCodes.Status412PreconditionFailed;
            }
        }
        else if (headers.IfUnmodifiedSince is { } unmodifiedSince && lastModified > unmodifiedSince)
        {
            return StatusCodes.Status412PreconditionFailed;
        }

        if (headers.IfNoneMatch is { Count: > 0 } ifNoneMatch)
        {
            return ifNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: false))
                ? StatusCodes.Status304NotModified : null;
        }

        return headers.IfModifiedSince is { } modifiedSince && lastModified <= modifiedSince ? StatusCodes.Status304NotModified : null;
    }

    /// <summary>If-Range: the range is served only while the client's copy is this one (a strong ETag match, or the exact date).</summary>
    private static bool RangeApplies(RequestHeaders headers, EntityTagHeaderValue etag, DateTimeOffset lastModified) =>
        headers.IfRange switch
        {
            null => true,
            { EntityTag: { } tag } => tag.Compare(etag, useStrongComparison: true),
            { LastModified: { } date } => date == lastModified,
            _ => false,
        };

    /// <summary>The byte range asked for, clipped to the file; null when it lies outside it.</summary>
    private static (long Offset, long Count)? Satisfiable(RangeHeaderValue range, long length)
    {
        var (from, to) = (range.Ranges.Single().From, range.Ranges.Single().To);
        if (from is null)
        {
            // A suffix: the last N bytes.
            return to is > 0 && length > 0 ? (Math.Max(0, length - to.Value), Math.Min(to.Value, length)) : null;
        }

        if (from.Value >= length)
        {
            return null;
        }

        var end = Math.Min(to ?? length - 1, length - 1);
        return (from.Value, end - from.Value + 1);
    }

    private static DateTimeOffset TruncateToSeconds(DateTime utc) => new(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
