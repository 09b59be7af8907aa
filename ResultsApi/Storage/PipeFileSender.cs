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
        await CopyAsync(file, path, offset, remaining, inner.Writer, cancellationToken);
    }

    /// <summary>
    /// Reads <paramref name="count"/> bytes of the file from <paramref name="offset"/> straight into the writer's memory,
    /// flushing each chunk. False when the client went away (the pipe completed or the flush was cancelled).
    /// </summary>
    public static async Task<bool> CopyAsync(Microsoft.Win32.SafeHandles.SafeFileHandle file, string path, long offset, long count, PipeWriter writer,
        CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            var chunk = (int)Math.Min(count, ChunkBytes);
            var read = RandomAccess.Read(file, writer.GetSpan(chunk)[..chunk], offset);
            if (read == 0)
            {
                // Shorter than the Content-Length already promised: the connection must not look like a whole response.
                throw new EndOfStreamException($"'{path}' ended {count} bytes early.");
            }

            writer.Advance(read);
            offset += read;
            count -= read;
            var flushed = await writer.FlushAsync(cancellationToken);
            if (flushed.IsCanceled || flushed.IsCompleted)
            {
                return false;
            }
        }

        return true;
    }
}
