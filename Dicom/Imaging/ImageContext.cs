using System.Globalization;

namespace Imaging.Dicom;

/// <summary>Who and which study an image belongs to (Patient and General Study modules).</summary>
public sealed record PatientStudy(
    string PatientId,
    string PatientName,
    string StudyInstanceUid,
    DateTimeOffset StudyDateTime,
    string? AccessionNumber = null,
    string? StudyId = null,
    string? StudyDescription = null);

/// <summary>The series an image belongs to (General Series, Frame of Reference and General Equipment modules).</summary>
public sealed record ImageSeries(
    string SeriesInstanceUid,
    int SeriesNumber,
    string Modality,
    string? SeriesDescription = null,
    string? FrameOfReferenceUid = null,
    string Manufacturer = "Imaging Results Platform");

/// <summary>Where a slice lies in the patient (Image Plane module): millimetres, LPS patient coordinates.</summary>
public sealed record ImagePlane(
    double RowSpacing,
    double ColumnSpacing,
    double SliceThickness,
    double[] ImagePositionPatient,
    double[] ImageOrientationPatient)
{
    /// <summary>Axial slices: rows along +X (left), columns along +Y (posterior), at height <paramref name="z"/>.</summary>
    public static ImagePlane Axial(double spacing, double sliceThickness, double z, int rows, int columns) =>
        new(spacing, spacing, sliceThickness, [-(columns - 1) * spacing / 2, -(rows - 1) * spacing / 2, z], [1, 0, 0, 0, 1, 0]);
}

/// <summary>MR acquisition facts the MR Image module asks for; defaults describe a reconstruction of unknown sequence.</summary>
public sealed record MRAcquisition(
    string ScanningSequence = "RM",
    string SequenceVariant = "NONE",
    string MRAcquisitionType = "2D",
    double? EchoTime = null,
    double? RepetitionTime = null,
    double? MagneticFieldStrength = null,
    string ImagedNucleus = "1H",
    string PatientPosition = "");

/// <summary>Pixels of one image or frame: 8-bit or 16-bit grayscale, or 8-bit RGB (interleaved, R G B per pixel).</summary>
public sealed record ImagePixels
{
    private ImagePixels(int rows, int columns, int samplesPerPixel, int bitsAllocated, int bitsStored, byte[] bytes)
    {
        if (rows <= 0 || columns <= 0 || rows > ushort.MaxValue || columns > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(rows), $"An image of {rows}×{columns} pixels cannot be encoded.");
        }

        if (bytes.Length != rows * columns * samplesPerPixel * (bitsAllocated / 8))
        {
            throw new ArgumentException($"{bytes.Length} bytes do not make {rows}×{columns} pixels of {samplesPerPixel}×{bitsAllocated} bits.", nameof(bytes));
        }

        (Rows, Columns, SamplesPerPixel, BitsAllocated, BitsStored, Bytes) = (rows, columns, samplesPerPixel, bitsAllocated, bitsStored, bytes);
    }

    public int Rows { get; }

    public int Columns { get; }

    public int SamplesPerPixel { get; }

    public int BitsAllocated { get; }

    public int BitsStored { get; }

    /// <summary>Little-endian pixel bytes, row by row.</summary>
    public byte[] Bytes { get; }

    public string PhotometricInterpretation => SamplesPerPixel == 3 ? "RGB" : "MONOCHROME2";

    public static ImagePixels Gray8(byte[] pixels, int rows, int columns) => new(rows, columns, 1, 8, 8, pixels);

    public static ImagePixels Gray16(ushort[] pixels, int rows, int columns, int bitsStored = 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bitsStored, 9);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bitsStored, 16);
        var bytes = new byte[pixels.Length * 2];
        for (var i = 0; i < pixels.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), pixels[i]);
        }

        return new(rows, columns, 1, 16, bitsStored, bytes);
    }

    public static ImagePixels Rgb8(byte[] interleaved, int rows, int columns) => new(rows, columns, 3, 8, 8, interleaved);
}

internal static class DicomText
{
    public static string Date(DateTimeOffset value) => value.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset value) => value.ToString("HHmmss.ffffff", CultureInfo.InvariantCulture);

    /// <summary>A DS value in at most 16 characters (PS3.5 §6.2), as exact as that allows.</summary>
    public static string Decimal(double value)
    {
        for (var digits = 15; digits > 0; digits--)
        {
            var text = value.ToString("G" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            if (text.Length <= 16)
            {
                return text;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), $"{value} cannot be written as a decimal string.");
    }

    public static string[] Decimals(IEnumerable<double> values) => [.. values.Select(Decimal)];
}
