using System.IO.Compression;

namespace Imaging.ResultsApi.Apis;

/// <summary>The session's archive: its images and results as one zip, written as it is read.</summary>
public static partial class QualitySessionsApi
{
    private static async Task<Results<PushStreamHttpResult, JsonHttpResult<object>>> DownloadAsync([FromRoute(Name = "session_id")] string sessionId, HttpContext http, ResultsDbContext db, ResultStorage storage, CancellationToken ct)
    {
        var session = await FindOwnAsync(sessionId, http, db, withBatch: true, ct);
        if (session is null)
        {
            return NoSession;
        }

        return TypedResults.Stream(body => WriteZipAsync(body, session, storage, ct), "application/zip", $"session-{session.Id}.zip");
    }

    /// <summary>
    /// Streams the zip as it is made (nothing is staged on disk or in memory): the images as stored, then the results and
    /// measurements as the GET calls answer them. Entries carry the session's last change, so the same session zips the same.
    /// </summary>
    private static async Task WriteZipAsync(Stream body, QualitySession session, ResultStorage storage, CancellationToken ct)
    {
        var output = new HeldWritesStream(body);
        await using (var zip = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, ct))
        {
            foreach (var image in Targets(session).Concat(Batch(session)))
            {
                var entry = zip.CreateEntry($"{ResultStorage.QualitySessionFolder(image.Role)}/{image.FileName}", CompressionLevel.Fastest);
                entry.LastWriteTime = session.UpdatedAt;
                await using (var input = new FileStream(storage.QualitySessionPath(session.SourceId, session.Id, image.Role, image.FileName),
                    FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true))
                await using (var entryStream = await entry.OpenAsync(ct))
                {
                    await input.CopyToAsync(entryStream, ct);
                }

                await output.FlushAsync(ct);
            }

            foreach (var (name, content) in new[] { ("results.json", ResultsJson(session)), ("measurements.json", Compose(json => WriteMeasurements(json, session))) })
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                entry.LastWriteTime = session.UpdatedAt;
                await using (var entryStream = await entry.OpenAsync(ct))
                {
                    await entryStream.WriteAsync(content, ct);
                }

                await output.FlushAsync(ct);
            }
        }

        await output.FlushAsync(ct);
    }

    /// <summary>
    /// The response body as ZipArchive needs it. ZipArchive (.NET 10) still writes synchronously when it closes an entry
    /// (the compressor's tail, the sizes) and when it ends (the central directory), which the server refuses; those writes
    /// are held here and sent with the next asynchronous write or flush. They are small: the file contents pass straight through.
    /// </summary>
    private sealed class HeldWritesStream(Stream inner) : Stream
    {
        private readonly MemoryStream _held = new();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => _held.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => _held.Write(buffer);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await SendHeldAsync(cancellationToken);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // A synchronous flush cannot reach the client; what it would send waits for FlushAsync.
        public override void Flush()
        {
        }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            await SendHeldAsync(cancellationToken);
            await inner.FlushAsync(cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private async ValueTask SendHeldAsync(CancellationToken cancellationToken)
        {
            if (_held.Length > 0)
            {
                await inner.WriteAsync(_held.GetBuffer().AsMemory(0, (int)_held.Length), cancellationToken);
                _held.SetLength(0);
            }
        }
    }
}
