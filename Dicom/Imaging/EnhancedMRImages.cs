using System.Globalization;

namespace Imaging.Dicom;

/// <summary>One frame of an Enhanced MR image: where it lies and its pixels.</summary>
public sealed record MRFrame(ImagePlane Plane, ImagePixels Pixels);

/// <summary>
/// Enhanced MR Image Storage (PS3.3 A.36.2): a multi-frame MR image whose per-frame facts (position, orientation)
/// live in functional groups. Written as a DERIVED image, so the MR acquisition macros that PS3.3 requires only for
/// ORIGINAL frames (timing, echo, coils, pulse sequence) are left out; checked by dicom3tools' dciodvfy.
/// </summary>
public static class EnhancedMRImages
{
    public const string EnhancedMRImageStorage = "1.2.840.10008.5.1.4.1.1.4.1";

    private static readonly CultureInfo Number = CultureInfo.InvariantCulture;

    /// <summary>
    /// The frames in order as one instance; stored values are real values ÷ <paramref name="rescaleSlope"/> (one
    /// Pixel Value Transformation for all frames). Frames are organised as one stack, in-stack position = frame number.
    /// </summary>
    public static DicomDataset EnhancedMRImage(PatientStudy study, ImageSeries series, int instanceNumber, IReadOnlyList<MRFrame> frames,
        double rescaleSlope, double rescaleIntercept, DateTimeOffset contentTime, string? sopInstanceUid = null, string softwareVersion = "1")
    {
        if (frames.Count == 0 || frames.Any(f => f.Pixels.SamplesPerPixel != 1 || f.Pixels.BitsAllocated != 16
            || f.Pixels.Rows != frames[0].Pixels.Rows || f.Pixels.Columns != frames[0].Pixels.Columns))
        {
            throw new ArgumentException("An Enhanced MR image needs at least one frame, all 16-bit grayscale and of one size.", nameof(frames));
        }

        var first = frames[0].Plane;
        var sop = sopInstanceUid ?? DicomUid.Generate();
        // Patient, study, series, equipment and SOP common as every image the platform writes. Patient Orientation
        // belongs to the General Image module, which this IOD does not have (its frames say their orientation), and
        // Laterality must be absent when the frames carry Frame Laterality.
        var dataset = DicomImages.Common(EnhancedMRImageStorage, sop, study, series with { Modality = "MR" }, instanceNumber, contentTime);
        dataset.Remove(DicomTag.PatientOrientation);
        dataset.Remove(DicomTag.Laterality);
        DicomImages.FrameOfReference(dataset, series);
        dataset.AddOrUpdate(DicomTag.ImageType, DicomVR.CS, "DERIVED", "PRIMARY", "VOLUME", "NONE")
            .AddOrUpdate(DicomTag.ManufacturerModelName, DicomVR.LO, "Cartesian reconstruction")
            .AddOrUpdate(DicomTag.DeviceSerialNumber, DicomVR.LO, "0")
            .AddOrUpdate(DicomTag.SoftwareVersions, DicomVR.LO, softwareVersion)
            .AddOrUpdate(DicomTag.ContentQualification, DicomVR.CS, "PRODUCT")
            // Type 2C (no Patient Orientation Code Sequence): a reconstruction does not know how the patient lay.
            .AddOrUpdate(DicomTag.PatientPosition, DicomVR.CS, "")
            // Type 1C in the MR Image and Spectroscopy Instance macro: the standard safety limits were set by IEC 60601-2-33.
            .AddOrUpdate(DicomTag.ApplicableSafetyStandardAgency, DicomVR.CS, "IEC");

        // Common CT/MR and MR image description at image level (the same values as every frame's MR Image Frame Type).
        dataset.AddOrUpdate(DicomTag.PixelPresentation, DicomVR.CS, "MONOCHROME")
            .AddOrUpdate(DicomTag.VolumetricProperties, DicomVR.CS, "VOLUME")
            .AddOrUpdate(DicomTag.VolumeBasedCalculationTechnique, DicomVR.CS, "NONE")
            .AddOrUpdate(DicomTag.ComplexImageComponent, DicomVR.CS, "MAGNITUDE")
            .AddOrUpdate(DicomTag.AcquisitionContrast, DicomVR.CS, "UNKNOWN")
            .AddOrUpdate(DicomTag.BurnedInAnnotation, DicomVR.CS, "NO");
        dataset.Add(new DicomSequence(DicomTag.AcquisitionContextSequence));

        // Multi-frame Dimension: one stack, frames by their position in it.
        var organization = DicomUid.FromName("dimension-organization:" + sop);
        dataset.Add(new DicomSequence(DicomTag.DimensionOrganizationSequence, [new DicomDataset().AddOrUpdate(DicomTag.DimensionOrganizationUID, DicomVR.UI, organization)]));
        dataset.AddOrUpdate(DicomTag.DimensionOrganizationType, DicomVR.CS, "3D");
        dataset.Add(new DicomSequence(DicomTag.DimensionIndexSequence,
        [
            Dimension(organization, DicomTag.StackID, "Stack ID"),
            Dimension(organization, DicomTag.InStackPositionNumber, "In-Stack Position Number"),
        ]));

        dataset.Add(new DicomSequence(DicomTag.SharedFunctionalGroupsSequence, [SharedGroups(first, rescaleSlope, rescaleIntercept)]));
        dataset.Add(new DicomSequence(DicomTag.PerFrameFunctionalGroupsSequence, frames.Select((frame, index) => FrameGroups(frame.Plane, index + 1))));
        dataset.AddOrUpdate(DicomTag.NumberOfFrames, DicomVR.IS, frames.Count.ToString(Number));

        var pixels = frames[0].Pixels;
        dataset.AddOrUpdate<ushort>(DicomTag.SamplesPerPixel, DicomVR.US, 1)
            .AddOrUpdate(DicomTag.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2")
            .AddOrUpdate<ushort>(DicomTag.Rows, DicomVR.US, (ushort)pixels.Rows)
            .AddOrUpdate<ushort>(DicomTag.Columns, DicomVR.US, (ushort)pixels.Columns)
            .AddOrUpdate<ushort>(DicomTag.BitsAllocated, DicomVR.US, 16)
            .AddOrUpdate<ushort>(DicomTag.BitsStored, DicomVR.US, 16)
            .AddOrUpdate<ushort>(DicomTag.HighBit, DicomVR.US, 15)
            .AddOrUpdate<ushort>(DicomTag.PixelRepresentation, DicomVR.US, 0)
            .AddOrUpdate(DicomTag.LossyImageCompression, DicomVR.CS, "00")
            .AddOrUpdate(DicomTag.PresentationLUTShape, DicomVR.CS, "IDENTITY");
        dataset.Add(new DicomElement(DicomTag.PixelData, DicomVR.OW, frames.SelectMany(f => f.Pixels.Bytes).ToArray()));
        return dataset;
    }

    /// <summary>
    /// Single-frame MR images of one series (in the order given, all of one size and one rescale) as one Enhanced MR
    /// image: patient, study and series from the first, each frame's position from its slice. The instance UID is
    /// derived from the series, so the same slices always make the same file.
    /// </summary>
    public static DicomDataset FromSingleFrames(IReadOnlyList<DicomDataset> slices)
    {
        if (slices.Count == 0)
        {
            throw new ArgumentException("Give at least one slice.", nameof(slices));
        }

        var first = slices[0];
        string Text(DicomTag tag) => first.GetString(tag) ?? "";
        var frames = slices.Select(slice =>
        {
            var spacing = slice.GetValues<double>(DicomTag.PixelSpacing);
            var plane = new ImagePlane(spacing[0], spacing[1], slice.GetValue<double>(DicomTag.SliceThickness),
                slice.GetValues<double>(DicomTag.ImagePositionPatient), slice.GetValues<double>(DicomTag.ImageOrientationPatient));
            var rows = slice.GetValue<ushort>(DicomTag.Rows);
            var columns = slice.GetValue<ushort>(DicomTag.Columns);
            var bytes = slice.GetElement(DicomTag.PixelData)?.Bytes.ToArray() ?? throw new ArgumentException("A slice has no pixel data.", nameof(slices));
            return new MRFrame(plane, ImagePixels.Gray16(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan(0, rows * columns * 2)).ToArray(),
                rows, columns, slice.GetValue<ushort>(DicomTag.BitsStored)));
        }).ToList();
        var seriesUid = Text(DicomTag.SeriesInstanceUID);
        var study = new PatientStudy(Text(DicomTag.PatientID), Text(DicomTag.PatientName), Text(DicomTag.StudyInstanceUID),
            DateTimeOf(first.GetString(DicomTag.StudyDate), first.GetString(DicomTag.StudyTime)), first.GetString(DicomTag.AccessionNumber),
            first.GetString(DicomTag.StudyID), first.GetString(DicomTag.StudyDescription));
        var series = new ImageSeries(seriesUid, int.TryParse(Text(DicomTag.SeriesNumber), NumberStyles.Integer, Number, out var number) ? number : 1, "MR",
            first.GetString(DicomTag.SeriesDescription), first.GetString(DicomTag.FrameOfReferenceUID), Text(DicomTag.Manufacturer) is { Length: > 0 } maker ? maker : "Imaging Results Platform");
        var slope = first.Contains(DicomTag.RescaleSlope) ? first.GetValue<double>(DicomTag.RescaleSlope) : 1;
        var intercept = first.Contains(DicomTag.RescaleIntercept) ? first.GetValue<double>(DicomTag.RescaleIntercept) : 0;
        return EnhancedMRImage(study, series, 1, frames, slope, intercept, DateTimeOf(first.GetString(DicomTag.ContentDate), first.GetString(DicomTag.ContentTime)),
            DicomUid.FromName("enhanced-mr:" + seriesUid));
    }

    /// <summary>A DA and a TM as one UTC time; missing parts count as midnight of 1970-01-01.</summary>
    private static DateTimeOffset DateTimeOf(string? date, string? time)
    {
        var day = DateTime.TryParseExact(date, "yyyyMMdd", Number, DateTimeStyles.None, out var d) ? d : DateTime.UnixEpoch;
        var clock = time is { Length: >= 6 } && TimeSpan.TryParseExact(time[..6], "hhmmss", Number, out var t) ? t : TimeSpan.Zero;
        var fraction = time is { Length: > 7 } && time[6] == '.' && double.TryParse("0" + time[6..], NumberStyles.Float, Number, out var f) ? f : 0;
        return new DateTimeOffset(day.Date + clock + TimeSpan.FromSeconds(fraction), TimeSpan.Zero);
    }

    private static DicomDataset Dimension(string organization, DicomTag index, string label) => new DicomDataset()
        .AddOrUpdate(DicomTag.DimensionOrganizationUID, DicomVR.UI, organization)
        .AddOrUpdate(DicomTag.DimensionIndexPointer, index)
        .AddOrUpdate(DicomTag.FunctionalGroupPointer, DicomTag.FrameContentSequence)
        .AddOrUpdate(DicomTag.DimensionDescriptionLabel, DicomVR.LO, label);

    /// <summary>What every frame shares: spacing, orientation, anatomy, frame type and the rescale.</summary>
    private static DicomDataset SharedGroups(ImagePlane plane, double slope, double intercept)
    {
        var shared = new DicomDataset();
        shared.Add(new DicomSequence(DicomTag.PixelMeasuresSequence, [new DicomDataset()
            .AddOrUpdate(DicomTag.SliceThickness, DicomVR.DS, DicomText.Decimal(plane.SliceThickness))
            .AddOrUpdate(DicomTag.PixelSpacing, DicomVR.DS, DicomText.Decimals([plane.RowSpacing, plane.ColumnSpacing]))]));
        shared.Add(new DicomSequence(DicomTag.PlaneOrientationSequence, [new DicomDataset()
            .AddOrUpdate(DicomTag.ImageOrientationPatient, DicomVR.DS, DicomText.Decimals(plane.ImageOrientationPatient))]));
        // SNOMED CT 38266002 "Entire body": a reconstruction does not know the anatomy; unpaired, so laterality U.
        var region = new DicomDataset()
            .AddOrUpdate(DicomTag.CodeValue, DicomVR.SH, "38266002")
            .AddOrUpdate(DicomTag.CodingSchemeDesignator, DicomVR.SH, "SCT")
            .AddOrUpdate(DicomTag.CodeMeaning, DicomVR.LO, "Entire body");
        shared.Add(new DicomSequence(DicomTag.FrameAnatomySequence, [new DicomDataset()
            .Add(new DicomSequence(DicomTag.AnatomicRegionSequence, [region]))
            .AddOrUpdate(DicomTag.FrameLaterality, DicomVR.CS, "U")]));
        shared.Add(new DicomSequence(DicomTag.MRImageFrameTypeSequence, [new DicomDataset()
            .AddOrUpdate(DicomTag.FrameType, DicomVR.CS, "DERIVED", "PRIMARY", "VOLUME", "NONE")
            .AddOrUpdate(DicomTag.PixelPresentation, DicomVR.CS, "MONOCHROME")
            .AddOrUpdate(DicomTag.VolumetricProperties, DicomVR.CS, "VOLUME")
            .AddOrUpdate(DicomTag.VolumeBasedCalculationTechnique, DicomVR.CS, "NONE")
            .AddOrUpdate(DicomTag.ComplexImageComponent, DicomVR.CS, "MAGNITUDE")
            .AddOrUpdate(DicomTag.AcquisitionContrast, DicomVR.CS, "UNKNOWN")]));
        shared.Add(new DicomSequence(DicomTag.PixelValueTransformationSequence, [new DicomDataset()
            .AddOrUpdate(DicomTag.RescaleIntercept, DicomVR.DS, DicomText.Decimal(intercept))
            .AddOrUpdate(DicomTag.RescaleSlope, DicomVR.DS, DicomText.Decimal(slope))
            .AddOrUpdate(DicomTag.RescaleType, DicomVR.LO, "US")]));
        return shared;
    }

    /// <summary>What differs per frame: its place in the stack and its position.</summary>
    private static DicomDataset FrameGroups(ImagePlane plane, int number)
    {
        if (plane.ImagePositionPatient.Length != 3)
        {
            throw new ArgumentException("Image Position (Patient) has 3 values.", nameof(plane));
        }

        var frame = new DicomDataset();
        frame.Add(new DicomSequence(DicomTag.FrameContentSequence, [new DicomDataset()
            .AddOrUpdate<uint>(DicomTag.DimensionIndexValues, DicomVR.UL, 1, (uint)number)
            .AddOrUpdate(DicomTag.StackID, DicomVR.SH, "1")
            .AddOrUpdate<uint>(DicomTag.InStackPositionNumber, DicomVR.UL, (uint)number)]));
        frame.Add(new DicomSequence(DicomTag.PlanePositionSequence, [new DicomDataset()
            .AddOrUpdate(DicomTag.ImagePositionPatient, DicomVR.DS, DicomText.Decimals(plane.ImagePositionPatient))]));
        return frame;
    }
}
