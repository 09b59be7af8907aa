namespace Imaging.Dicom;

/// <summary>Reads an inflating stream and stops with a <see cref="DicomFormatException"/> once it has given more than <c>limit</c> bytes.</summary>
internal sealed class InflationLimit(Stream inflated, long limit) : Stream
{
    private long _total;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inflated.Read(buffer);
        _total += read;
        if (_total > limit)
        {
            throw new DicomFormatException($"The deflated dataset inflates to more than the {limit} bytes accepted", limit);
        }

        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inflated.Dispose();
        }

        base.Dispose(disposing);
    }
}
