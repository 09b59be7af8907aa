namespace Imaging.Dicom;

/// <summary>An entry of a dataset: a plain element, a sequence, or encapsulated pixel data fragments.</summary>
public abstract class DicomItem(DicomTag tag, DicomVR vr)
{
    public DicomTag Tag { get; } = tag;

    public DicomVR VR { get; } = vr;

    public override string ToString() => $"{Tag} {VR}";
}

/// <summary>A sequence (SQ): items, each a dataset. Whether it and each item had an undefined length is kept, so a file is rewritten as it was.</summary>
public sealed class DicomSequence(DicomTag tag, IEnumerable<DicomDataset>? items = null) : DicomItem(tag, DicomVR.SQ)
{
    public List<DicomDataset> Items { get; } = [.. items ?? []];

    public bool UndefinedLength { get; set; } = true;
}

/// <summary>Encapsulated pixel data (PS3.5 §A.4): the basic offset table, then one fragment per item, never decoded.</summary>
public sealed class DicomFragments(DicomTag tag, DicomVR vr) : DicomItem(tag, vr)
{
    /// <summary>The basic offset table (the first item), possibly empty.</summary>
    public ReadOnlyMemory<byte> OffsetTable { get; set; }

    public List<ReadOnlyMemory<byte>> Fragments { get; } = [];
}

/// <summary>
/// A data element with its value bytes exactly as encoded (in the byte order of the dataset they came from).
/// Large values read from a file stay on disk until asked for.
/// </summary>
public sealed class DicomElement : DicomItem
{
    private ReadOnlyMemory<byte> _bytes;
    private readonly FileSegment? _deferred;

    public DicomElement(DicomTag tag, DicomVR vr, ReadOnlyMemory<byte> bytes)
        : base(tag, vr)
    {
        _bytes = bytes;
        Length = bytes.Length;
    }

    internal DicomElement(DicomTag tag, DicomVR vr, FileSegment deferred)
        : base(tag, vr)
    {
        _deferred = deferred;
        Length = deferred.Length;
    }

    public long Length { get; }

    /// <summary>True while the value is still only on disk.</summary>
    public bool IsDeferred => _deferred is not null && _bytes.IsEmpty && Length > 0;

    /// <summary>The value bytes; a deferred value is read from its file on first use.</summary>
    public ReadOnlyMemory<byte> Bytes
    {
        get
        {
            if (IsDeferred)
            {
                _bytes = _deferred!.ReadAll();
            }

            return _bytes;
        }
    }

    /// <summary>The value as a stream, without loading a deferred value into memory.</summary>
    public Stream OpenRead() => IsDeferred ? _deferred!.Open() : new MemoryStream(_bytes.ToArray(), writable: false);
}

/// <summary>Where a value lives in a file that was read, for values too large to hold.</summary>
internal sealed record FileSegment(string Path, long Offset, long Length)
{
    public byte[] ReadAll()
    {
        using var stream = Open();
        var bytes = new byte[Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    public Stream Open()
    {
        var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        file.Seek(Offset, SeekOrigin.Begin);
        return new BoundedStream(file, Length);
    }
}
