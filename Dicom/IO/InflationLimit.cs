namespace Imaging.Dicom;

/// <summary>Reads an inflating stream and stops with a <see cref="DicomFormatException"/> once it has given more than <c>limit</c> bytes.</summary>
internal sealed class InflationLimit(Stream inflated, long limit) : ReadOnlyStream
{
    private long _total;

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


    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inflated.Dispose();
        }

        base.Dispose(disposing);
    }
}
