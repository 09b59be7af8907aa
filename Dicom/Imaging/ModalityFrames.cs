using System.Buffers.Binary;
using System.Globalization;

namespace Imaging.Dicom;

/// <summary>
/// The frames of a grayscale image as modality values (PS3.3 C.11.1: stored value × Rescale Slope + Rescale
/// Intercept; Hounsfield units for CT). Pixels equal to Pixel Padding Value are NaN: they are outside the
/// scanned field and belong in no statistic.
/// </summary>
public sealed record ModalityFrames(int Rows, int Columns, IReadOnlyList<float[]> Frames, bool Monochrome1, string? RescaleType)
{
    /// <summary>
    /// Reads native (uncompressed) grayscale pixel data: 8, 16 or 32 bits allocated, signed or unsigned, any Bits
    /// Stored and High Bit, either byte order. Throws <see cref="NotSupportedException"/> for what it does not
    /// decode (encapsulated pixel data, colour, a Modality LUT Sequence), with the reason a person can act on.
    /// </summary>
    public static ModalityFrames Read(DicomDataset dataset)
    {
        var photometric = dataset.GetString(DicomTag.PhotometricInterpretation)?.Trim();
        var samples = Number(dataset, DicomTag.SamplesPerPixel, 1);
        if (samples != 1 || photometric is not ("MONOCHROME1" or "MONOCHROME2"))
        {
            throw new NotSupportedException($"Only grayscale images are analysed; this one is {photometric ?? "without Photometric Interpretation"} with {samples} sample(s) per pixel.");
        }

        if (dataset[DicomTag.PixelData] is DicomFragments)
        {
            throw new NotSupportedException("The pixel data is compressed (encapsulated); send the series uncompressed (Explicit or Implicit VR Little Endian).");
        }

        if (dataset.Contains(DicomTag.ModalityLUTSequence))
        {
            throw new NotSupportedException("The image maps stored values with a Modality LUT Sequence, which the analysis does not apply.");
        }

        var pixelData = dataset.GetElement(DicomTag.PixelData) ?? throw new NotSupportedException("The instance has no pixel data.");
        var rows = Number(dataset, DicomTag.Rows, 0);
        var columns = Number(dataset, DicomTag.Columns, 0);
        var frames = Math.Max(1, Number(dataset, DicomTag.NumberOfFrames, 1));
        var bitsAllocated = Number(dataset, DicomTag.BitsAllocated, 0);
        var bitsStored = Number(dataset, DicomTag.BitsStored, bitsAllocated);
        var highBit = Number(dataset, DicomTag.HighBit, bitsStored - 1);
        var signed = Number(dataset, DicomTag.PixelRepresentation, 0) == 1;
        if (rows <= 0 || columns <= 0 || bitsAllocated is not (8 or 16 or 32) || bitsStored < 1 || bitsStored > bitsAllocated
            || highBit < bitsStored - 1 || highBit >= bitsAllocated)
        {
            throw new NotSupportedException($"Unsupported pixel layout: {rows}×{columns}, {bitsAllocated} bits allocated, {bitsStored} stored, high bit {highBit}.");
        }

        var bytesPerPixel = bitsAllocated / 8;
        var frameBytes = (long)rows * columns * bytesPerPixel;
        var bytes = pixelData.Bytes.Span;
        if (bytes.Length < frameBytes * frames)
        {
            throw new NotSupportedException($"The pixel data holds {bytes.Length} bytes; {frames} frame(s) of {rows}×{columns} at {bitsAllocated} bits need {frameBytes * frames}.");
        }

        var slope = Decimal(dataset, DicomTag.RescaleSlope, 1);
        var intercept = Decimal(dataset, DicomTag.RescaleIntercept, 0);
        var padding = Padding(dataset, signed, bitsStored);
        var shift = highBit + 1 - bitsStored;
        var mask = bitsStored == 32 ? uint.MaxValue : (1u << bitsStored) - 1;
        var result = new List<float[]>(frames);
        for (var f = 0; f < frames; f++)
        {
            var frame = bytes.Slice((int)(f * frameBytes), (int)frameBytes);
            var values = new float[rows * columns];
            for (var i = 0; i < values.Length; i++)
            {
                uint raw = bytesPerPixel switch
                {
                    1 => frame[i],
                    2 => dataset.IsBigEndian ? BinaryPrimitives.ReadUInt16BigEndian(frame[(i * 2)..]) : BinaryPrimitives.ReadUInt16LittleEndian(frame[(i * 2)..]),
                    _ => dataset.IsBigEndian ? BinaryPrimitives.ReadUInt32BigEndian(frame[(i * 4)..]) : BinaryPrimitives.ReadUInt32LittleEndian(frame[(i * 4)..]),
                };
                var stored = Stored(raw, shift, mask, bitsStored, signed);
                values[i] = stored == padding ? float.NaN : (float)(stored * slope + intercept);
            }

            result.Add(values);
        }

        return new ModalityFrames(rows, columns, result, photometric == "MONOCHROME1", dataset.GetString(DicomTag.RescaleType)?.Trim());
    }

    // Bits outside Bits Stored are not part of the value (PS3.5 8.1.1); signed values are two's complement within them.
    private static long Stored(uint raw, int shift, uint mask, int bitsStored, bool signed)
    {
        var value = (raw >> shift) & mask;
        return signed && (value & (1u << (bitsStored - 1))) != 0 ? (long)value - (1L << bitsStored) : value;
    }

    private static long? Padding(DicomDataset dataset, bool signed, int bitsStored)
    {
        if (dataset.GetElement(DicomTag.PixelPaddingValue) is not { Length: 2 } element)
        {
            return null;
        }

        var raw = dataset.IsBigEndian ? BinaryPrimitives.ReadUInt16BigEndian(element.Bytes.Span) : BinaryPrimitives.ReadUInt16LittleEndian(element.Bytes.Span);
        return signed ? (short)raw : raw;
    }

    private static int Number(DicomDataset dataset, DicomTag tag, int fallback)
    {
        if (dataset.GetElement(tag) is not { Length: > 0 } element)
        {
            return fallback;
        }

        return element.VR == DicomVR.IS ? (int)dataset.GetValues<double>(tag)[0] : dataset.GetValue<ushort>(tag);
    }

    private static double Decimal(DicomDataset dataset, DicomTag tag, double fallback) =>
        dataset.GetString(tag) is { Length: > 0 } text && double.TryParse(text.Split('\\')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : fallback;
}
