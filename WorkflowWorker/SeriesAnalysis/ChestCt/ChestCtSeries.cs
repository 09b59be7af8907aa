using System.Globalization;

namespace Imaging.WorkflowWorker.SeriesAnalysis.ChestCt;

/// <summary>One CT instance as read: its dataset (attributes) and its slice in Hounsfield units.</summary>
public sealed record CtSlice(DicomDataset Dataset, ModalityFrames Frames);

/// <summary>A series as one volume, with the slices' datasets in the volume's order (for references to the source instances).</summary>
public sealed record CtStack(CtVolume Volume, IReadOnlyList<DicomDataset> Slices);

/// <summary>
/// Which CT series are chest CTs for the qCT use case, and their slices checked and put together as one volume in
/// the patient's foot-to-head order, whatever order they came in. A series that cannot be measured is refused with the
/// reason: a localiser, too few slices, a multi-frame or non-axial series, orientations or sizes that differ, slices
/// without position, spacing or rescale, two slices at one place.
/// </summary>
public static class ChestCtSeries
{
    /// <summary>A chest CT for lung measurements covers the lungs: even at 10 mm slices that is well over this.</summary>
    public const int MinimumSlices = 10;

    private static readonly string[] ChestWords = ["CHEST", "THORAX", "LUNG", "THORAC", "QCT"];

    /// <summary>A CT of the chest by Body Part Examined (CHEST, LUNG, THORAX) or by its study or series description.</summary>
    public static bool IsChest(DicomDataset dataset)
    {
        var said = string.Join(' ', new[] { DicomTag.BodyPartExamined, DicomTag.StudyDescription, DicomTag.SeriesDescription }
            .Select(t => dataset.GetString(t) ?? "")).ToUpperInvariant();
        return ChestWords.Any(said.Contains);
    }

    public static (CtStack? Stack, string? Reason) Build(IReadOnlyList<CtSlice> slices)
    {
        if (slices.Count == 0)
        {
            return (null, "The series has no instances.");
        }

        foreach (var slice in slices)
        {
            var sop = slice.Dataset.GetString(DicomTag.SOPInstanceUID);
            if (slice.Dataset.GetStrings(DicomTag.ImageType).Any(t => t.Trim().Equals("LOCALIZER", StringComparison.OrdinalIgnoreCase)))
            {
                return (null, $"Instance {sop} is a localiser (Image Type LOCALIZER), not a slice of the chest.");
            }

            if (slice.Frames.Frames.Count != 1)
            {
                return (null, $"Instance {sop} has {slice.Frames.Frames.Count} frames; qCT reads a series of single-slice CT images.");
            }

            foreach (var (tag, name) in new[] { (DicomTag.RescaleIntercept, "Rescale Intercept"), (DicomTag.RescaleSlope, "Rescale Slope"),
                         (DicomTag.ImagePositionPatient, "Image Position (Patient)"), (DicomTag.ImageOrientationPatient, "Image Orientation (Patient)"),
                         (DicomTag.PixelSpacing, "Pixel Spacing") })
            {
                if (string.IsNullOrWhiteSpace(slice.Dataset.GetString(tag)))
                {
                    return (null, $"Instance {sop} has no {name}: without it the slices' Hounsfield units or geometry are unknown.");
                }
            }
        }

        if (slices.Count < MinimumSlices)
        {
            return (null, $"The series has {slices.Count} slice(s); a chest CT for lung measurements has at least {MinimumSlices}.");
        }

        var orientation = Numbers(slices[0].Dataset, DicomTag.ImageOrientationPatient, 6);
        var spacing = Numbers(slices[0].Dataset, DicomTag.PixelSpacing, 2);
        var (rows, columns) = (slices[0].Frames.Rows, slices[0].Frames.Columns);
        if (orientation is null || spacing is null || spacing[0] <= 0 || spacing[1] <= 0)
        {
            return (null, "The first slice's Image Orientation (Patient) or Pixel Spacing is not a valid set of numbers.");
        }

        foreach (var slice in slices)
        {
            var other = Numbers(slice.Dataset, DicomTag.ImageOrientationPatient, 6);
            if (other is null || other.Zip(orientation).Any(p => Math.Abs(p.First - p.Second) > 1e-3))
            {
                return (null, "The slices have different orientations (Image Orientation (Patient)); qCT needs one stack of parallel slices.");
            }

            if (slice.Frames.Rows != rows || slice.Frames.Columns != columns || Numbers(slice.Dataset, DicomTag.PixelSpacing, 2) is not { } s
                || Math.Abs(s[0] - spacing[0]) > 1e-3 || Math.Abs(s[1] - spacing[1]) > 1e-3)
            {
                return (null, "The slices differ in size or pixel spacing; qCT needs one stack of alike slices.");
            }
        }

        var rowDirection = (X: orientation[0], Y: orientation[1], Z: orientation[2]);
        var columnDirection = (X: orientation[3], Y: orientation[4], Z: orientation[5]);
        var normal = (X: rowDirection.Y * columnDirection.Z - rowDirection.Z * columnDirection.Y,
            Y: rowDirection.Z * columnDirection.X - rowDirection.X * columnDirection.Z,
            Z: rowDirection.X * columnDirection.Y - rowDirection.Y * columnDirection.X);
        if (Math.Abs(normal.Z) < 0.8)
        {
            return (null, "The slices are not axial; qCT measures axial chest CT.");
        }

        // Foot to head: along the normal turned to point to the head (+z in the patient's coordinates).
        var sign = Math.Sign(normal.Z);
        var ordered = slices.Select(s => (Slice: s, At: sign * Dot(Numbers(s.Dataset, DicomTag.ImagePositionPatient, 3), normal)))
            .OrderBy(s => s.At).ToList();
        var steps = ordered.Zip(ordered.Skip(1), (a, b) => b.At - a.At).Order().ToList();
        if (steps[0] < 1e-3)
        {
            return (null, "Two slices are at the same position; send one reconstruction per series.");
        }

        var sliceSpacing = steps[steps.Count / 2];
        var hounsfield = new float[(long)rows * columns * ordered.Count];
        for (var s = 0; s < ordered.Count; s++)
        {
            var values = ordered[s].Slice.Frames.Frames[0];
            for (var i = 0; i < values.Length; i++)
            {
                // Padding (outside the scanned field) is NaN: there is only air there.
                hounsfield[(long)s * values.Length + i] = float.IsNaN(values[i]) ? -1000 : values[i];
            }
        }

        // Pixel Spacing is row spacing \ column spacing. A row direction along the patient's +x (towards the left) puts the
        // left at higher columns.
        var volume = new CtVolume(hounsfield, columns, rows, ordered.Count, spacing[1], spacing[0], sliceSpacing, rowDirection.X >= 0);
        return (new CtStack(volume, [.. ordered.Select(o => o.Slice.Dataset)]), null);
    }

    private static double Dot(double[]? position, (double X, double Y, double Z) normal) =>
        position is null ? 0 : position[0] * normal.X + position[1] * normal.Y + position[2] * normal.Z;

    private static double[]? Numbers(DicomDataset dataset, DicomTag tag, int count)
    {
        var values = dataset.GetStrings(tag);
        if (values.Length != count)
        {
            return null;
        }

        var result = new double[count];
        for (var i = 0; i < count; i++)
        {
            if (!double.TryParse(values[i].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out result[i]))
            {
                return null;
            }
        }

        return result;
    }
}
