using System.Text;

namespace Imaging.ResultsApi.Apis;

/// <summary>DICOM files as one multipart/related; type="application/dicom" body (PS3.18 8.7.3), streamed file by file.</summary>
internal static class MultipartRelated
{
    public static IResult Dicom(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var boundary = $"dicom-{Guid.NewGuid():N}";
        return TypedResults.Stream(async body =>
        {
            foreach (var path in paths)
            {
                await body.WriteAsync(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n"), cancellationToken);
                await using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true))
                {
                    await file.CopyToAsync(body, cancellationToken);
                }

                await body.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
            }

            await body.WriteAsync(Encoding.ASCII.GetBytes($"--{boundary}--\r\n"), cancellationToken);
        }, $"multipart/related; type=\"application/dicom\"; boundary={boundary}");
    }

    /// <summary>Byte ranges (uncompressed frames) as one multipart/related; type="application/octet-stream" body.</summary>
    public static IResult OctetStreams(IReadOnlyList<ReadOnlyMemory<byte>> parts, CancellationToken cancellationToken)
    {
        var boundary = $"frames-{Guid.NewGuid():N}";
        return TypedResults.Stream(async body =>
        {
            foreach (var part in parts)
            {
                await body.WriteAsync(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Type: application/octet-stream\r\n\r\n"), cancellationToken);
                await body.WriteAsync(part, cancellationToken);
                await body.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
            }

            await body.WriteAsync(Encoding.ASCII.GetBytes($"--{boundary}--\r\n"), cancellationToken);
        }, $"multipart/related; type=\"application/octet-stream\"; boundary={boundary}");
    }
}
