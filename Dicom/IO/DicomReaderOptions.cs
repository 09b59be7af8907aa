namespace Imaging.Dicom;

public sealed record DicomReaderOptions
{
    public static readonly DicomReaderOptions Default = new();

    /// <summary>Stop before the first top-level element at or past this tag (e.g. PixelData, to index without loading pixels).</summary>
    public DicomTag? StopAt { get; init; }

    /// <summary>Sequences nested deeper than this are refused: real data nests a few levels, hostile data thousands.</summary>
    public int MaxDepth { get; init; } = 32;

    /// <summary>When reading a file by path, values larger than this stay on disk until used.</summary>
    public long DeferValuesLargerThan { get; init; } = 1 << 20;

    /// <summary>The largest single value accepted where the input's length is unknown (a deflated stream).</summary>
    public long MaxValueLength { get; init; } = 1L << 31;

    /// <summary>
    /// The most bytes a deflated dataset (1.2.840.10008.1.2.1.99) may inflate to. Deflate shrinks zeros a thousandfold,
    /// so a small upload could otherwise unpack to gigabytes: past this the read stops with a <see cref="DicomFormatException"/>.
    /// </summary>
    public long MaxInflatedLength { get; init; } = 1L << 30;
}
