using System.Buffers;
using System.Text;

namespace Imaging.ResultsApi.Apis;

/// <summary>DICOM files as one multipart/related; type="application/dicom" body (PS3.18 8.7.3), streamed file by file.</summary>
internal static class MultipartRelated
{
    public static DicomParts Dicom(IReadOnlyList<string> paths, CancellationToken cancellationToken) => new DicomParts(paths, cancellationToken);

    /// <summary>Writes each file straight into the response pipe (as PipeFileSender does for one file): no stream copy, no thread hop per read.</summary>
    public sealed class DicomParts(IReadOnlyList<string> paths, CancellationToken cancellationToken) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            var boundary = $"dicom-{Guid.NewGuid():N}";
            http.Response.ContentType = $"multipart/related; type=\"application/dicom\"; boundary={boundary}";
            await http.Response.StartAsync(cancellationToken);
            var writer = http.Response.BodyWriter;
            var partHeader = Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n");
            foreach (var path in paths)
            {
                writer.Write(partHeader);
                using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
                if (!await Storage.PipeFileSender.CopyAsync(file, path, 0, RandomAccess.GetLength(file), writer, cancellationToken))
                {
                    return;
                }

                writer.Write("\r\n"u8);
            }

            writer.Write(Encoding.ASCII.GetBytes($"--{boundary}--\r\n"));
            await writer.FlushAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Frames as one multipart/related body of <paramref name="mediaType"/> parts: application/octet-stream for
    /// uncompressed frames, or the compressed frames' own type with their transfer syntax (PS3.18 8.7.3.5).
    /// </summary>
    public static PushStreamHttpResult Frames(IReadOnlyList<ReadOnlyMemory<byte>> parts, string mediaType, string? transferSyntaxUid, CancellationToken cancellationToken)
    {
        var boundary = $"frames-{Guid.NewGuid():N}";
        var partType = transferSyntaxUid is null ? mediaType : $"{mediaType}; transfer-syntax={transferSyntaxUid}";
        return TypedResults.Stream(async body =>
        {
            foreach (var part in parts)
            {
                await body.WriteAsync(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: {partType}\r\n\r\n"), cancellationToken);
                await body.WriteAsync(part, cancellationToken);
                await body.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
            }

            await body.WriteAsync(Encoding.ASCII.GetBytes($"--{boundary}--\r\n"), cancellationToken);
        }, $"multipart/related; type=\"{mediaType}\"; boundary={boundary}");
    }
}
