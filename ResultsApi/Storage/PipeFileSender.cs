using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Imaging.ResultsApi.Storage;

/// <summary>
/// Sends a file range by reading it straight into the server's output pipe. Kestrel has no sendfile(2) path on
/// Linux; its default sender reads through an async FileStream (one thread-pool hop per 64 KiB) into a buffer and
/// copies that into the pipe. Reading synchronously from the page cache into the pipe's own memory saves the copy
/// and the hops. Everything else (headers, Range, ETag, 304) stays with ASP.NET's PhysicalFile result.
/// </summary>
public sealed class PipeFileSender(IHttpResponseBodyFeature inner) : IHttpResponseBodyFeature
{
    // Large enough that a 0.5 MB instance is a handful of reads; the pipe rents buffers this size from the array pool.
    private const int ChunkBytes = 256 * 1024;

    public static void Install(HttpContext http)
    {
        if (http.Features.Get<IHttpResponseBodyFeature>() is { } current and not PipeFileSender)
        {
            http.Features.Set<IHttpResponseBodyFeature>(new PipeFileSender(current));
        }
    }

    public Stream Stream => inner.Stream;

    public PipeWriter Writer => inner.Writer;

    public void DisableBuffering() => inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task CompleteAsync() => inner.CompleteAsync();

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        var remaining = count ?? RandomAccess.GetLength(file) - offset;
        // Started first: memory taken from the writer before the headers are written is copied again behind them.
        await inner.StartAsync(cancellationToken);
        var writer = inner.Writer;
        while (remaining > 0)
        {
            var chunk = (int)Math.Min(remaining, ChunkBytes);
            var read = RandomAccess.Read(file, writer.GetSpan(chunk)[..chunk], offset);
            if (read == 0)
            {
                // Shorter than the Content-Length already promised: the connection must not look like a whole response.
                throw new EndOfStreamException($"'{path}' ended {remaining} bytes early.");
            }

            writer.Advance(read);
            offset += read;
            remaining -= read;
            var flushed = await writer.FlushAsync(cancellationToken);
            if (flushed.IsCanceled || flushed.IsCompleted)
            {
                return;
            }
        }
    }
}
