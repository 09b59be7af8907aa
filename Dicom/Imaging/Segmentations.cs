using System.Globalization;

namespace Imaging.Dicom;

/// <summary>A source image a segmentation is drawn on: its SOP class and instance, and where it lies (Image Position (Patient), mm).</summary>
public sealed record SourceImage(string SopClassUid, string SopInstanceUid, double[] ImagePositionPatient);

/// <summary>
/// The grid a segmentation shares with its source series: one source image per slice, in the order of the masks'
/// slices, all of one size, spacing and orientation, on one frame of reference.
/// </summary>
public sealed record SourceGrid(string SeriesInstanceUid, string FrameOfReferenceUid, int Rows, int Columns, double RowSpacing, double ColumnSpacing,
    double SliceThickness, double[] ImageOrientationPatient, IReadOnlyList<SourceImage> Slices)
{
    public int SliceLength => Rows * Columns;
}

/// <summary>
/// One segment: its number (1, 2, … in order), label, what it is (category and type, coded), a display colour and its
/// voxels as a mask over the whole grid (slice by slice, row by row).
/// </summary>
public sealed record Segment(int Number, string Label, CodedConcept Category, CodedConcept Type, ushort[] CieLab, bool[] Mask,
    CodedConcept? TypeModifier = null, CodedConcept? AnatomicRegion = null);

/// <summary>The algorithm that made a segmentation: its name, version and family (CID 7162, such as DCM 123104 "Morphological Operations").</summary>
public sealed record SegmentationAlgorithm(string Name, string Version, CodedConcept Family);

/// <summary>
/// Binary DICOM Segmentation (PS3.3 A.51, Segmentation IOD): one frame per segment and slice the segment touches,
/// on the source's frame of reference, each frame naming its segment, its position and the source image it was
/// derived from. Pixels are 1 bit, packed without padding between frames (PS3.5 8.1.1). Checked by dciodvfy.
/// </summary>
public static class Segmentations
{
    public const string SegmentationStorage = "1.2.840.10008.5.1.4.1.1.66.4";

    private static readonly CultureInfo Number = CultureInfo.InvariantCulture;

    /// <summary>DCM 113076 "Segmentation": how each frame was derived from its source image.</summary>
    private static readonly CodedConcept SegmentationDerivation = new("113076", "DCM", "Segmentation");

    /// <summary>DCM 121322 "Source image for image processing operation".</summary>
    private static readonly CodedConcept SourceForProcessing = new("121322", "DCM", "Source image for image processing operation");

    public static DicomDataset Binary(PatientStudy study, ImageSeries series, int instanceNumber, SourceGrid grid, IReadOnlyList<Segment> segments,
        string contentLabel, SegmentationAlgorithm algorithm, DateTimeOffset contentTime, string? sopInstanceUid = null)
    {
        var voxels = grid.SliceLength * grid.Slices.Count;
        if (segments.Count == 0 || segments.Select((s, i) => s.Number != i + 1 || s.Mask.Length != voxels || s.CieLab.Length != 3).Any(bad => bad))
        {
            throw new ArgumentException($"Segments are numbered 1, 2, … in order, each with a mask of {voxels} voxels and a CIELab colour.", nameof(segments));
        }

        if (grid.ImageOrientationPatient.Length != 6 || grid.Slices.Any(s => s.ImagePositionPatient.Length != 3))
        {
            throw new ArgumentException("Image Orientation (Patient) has 6 values and each Image Position (Patient) 3.", nameof(grid));
        }

        // The frames: every slice each segment touches, segment by segment, slices in the grid's order.
        var frames = new List<(Segment Segment, int Slice)>();
        foreach (var segment in segments)
        {
            var touched = Enumerable.Range(0, grid.Slices.Count).Where(s => Array.IndexOf(segment.Mask, true, s * grid.SliceLength, grid.SliceLength) >= 0).ToList();
            if (touched.Count == 0)
            {
                throw new ArgumentException($"Segment {segment.Number} ({segment.Label}) is empty; leave it out.", nameof(segments));
            }

            frames.AddRange(touched.Select(s => (segment, s)));
        }

        var sop = sopInstanceUid ?? DicomUid.Generate();
        var dataset = DicomImages.Common(SegmentationStorage, sop, study, series with { Modality = "SEG" }, instanceNumber, contentTime);
        // General Image's Patient Orientation and Laterality are not in this IOD: its frames say their orientation.
        dataset.Remove(DicomTag.PatientOrientation);
        dataset.Remove(DicomTag.Laterality);
        DicomImages.FrameOfReference(dataset, series with { FrameOfReferenceUid = grid.FrameOfReferenceUid });
        dataset.AddOrUpdate(DicomTag.ManufacturerModelName, DicomVR.LO, algorithm.Name)
            .AddOrUpdate(DicomTag.DeviceSerialNumber, DicomVR.LO, "0")
            .AddOrUpdate(DicomTag.SoftwareVersions, DicomVR.LO, algorithm.Version)
            .AddOrUpdate(DicomTag.ImageType, DicomVR.CS, "DERIVED", "PRIMARY")
            .AddOrUpdate(DicomTag.ContentLabel, DicomVR.CS, contentLabel)
            .AddOrUpdate(DicomTag.ContentDescription, DicomVR.LO, $"{algorithm.Name} {algorithm.Version}")
            .AddOrUpdate(DicomTag.ContentCreatorName, DicomVR.PN, "")
            .AddOrUpdate(DicomTag.SegmentationType, DicomVR.CS, "BINARY");
        dataset.Add(new DicomSequence(DicomTag.SegmentSequence, segments.Select(s => SegmentItem(s, algorithm))));

        // Multi-frame Dimension: frames indexed by segment, then by position along the stack.
        var organization = DicomUid.FromName("dimension-organization:" + sop);
        dataset.Add(new DicomSequence(DicomTag.DimensionOrganizationSequence, [new DicomDataset().AddOrUpdate(DicomTag.DimensionOrganizationUID, DicomVR.UI, organization)]));
        dataset.AddOrUpdate(DicomTag.DimensionOrganizationType, DicomVR.CS, "3D");
        dataset.Add(new DicomSequence(DicomTag.DimensionIndexSequence,
        [
            Dimension(organization, DicomTag.ReferencedSegmentNumber, DicomTag.SegmentIdentificationSequence, "Segment Number"),
            Dimension(organization, DicomTag.ImagePositionPatient, DicomTag.PlanePositionSequence, "Image Position Patient"),
        ]));

        var shared = new DicomDataset();
        shared.Add(new DicomSequence(DicomTag.PixelMeasuresSequence, [new DicomDataset()
            .AddOrUpdate(DicomTag.SliceThickness, DicomVR.DS, DicomText.Decimal(grid.SliceThickness))
            .AddOrUpdate(DicomTag.PixelSpacing, DicomVR.DS, DicomText.Decimals([grid.RowSpacing, grid.ColumnSpacing]))]));
        shared.Add(new DicomSequence(DicomTag.PlaneOrientationSequence, [new DicomDataset()
            .AddOrUpdate(DicomTag.ImageOrientationPatient, DicomVR.DS, DicomText.Decimals(grid.ImageOrientationPatient))]));
        dataset.Add(new DicomSequence(DicomTag.SharedFunctionalGroupsSequence, [shared]));
        dataset.Add(new DicomSequence(DicomTag.PerFrameFunctionalGroupsSequence, frames.Select(f => FrameItem(grid, f.Segment.Number, f.Slice))));
        dataset.AddOrUpdate(DicomTag.NumberOfFrames, DicomVR.IS, frames.Count.ToString(Number));

        // Common Instance Reference: the source images the frames were derived from.
        var referenced = frames.Select(f => f.Slice).Distinct().Order().Select(s => grid.Slices[s]).ToList();
        dataset.Add(new DicomSequence(DicomTag.ReferencedSeriesSequence, [new DicomDataset()
            .AddOrUpdate(DicomTag.SeriesInstanceUID, DicomVR.UI, grid.SeriesInstanceUid)
            .Add(new DicomSequence(DicomTag.ReferencedInstanceSequence, referenced.Select(r => new DicomDataset()
                .AddOrUpdate(DicomTag.ReferencedSOPClassUID, DicomVR.UI, r.SopClassUid)
                .AddOrUpdate(DicomTag.ReferencedSOPInstanceUID, DicomVR.UI, r.SopInstanceUid))))]));

        dataset.AddOrUpdate<ushort>(DicomTag.SamplesPerPixel, DicomVR.US, 1)
            .AddOrUpdate(DicomTag.PhotometricInterpretation, DicomVR.CS, "MONOCHROME2")
            .AddOrUpdate<ushort>(DicomTag.Rows, DicomVR.US, (ushort)grid.Rows)
            .AddOrUpdate<ushort>(DicomTag.Columns, DicomVR.US, (ushort)grid.Columns)
            .AddOrUpdate<ushort>(DicomTag.BitsAllocated, DicomVR.US, 1)
            .AddOrUpdate<ushort>(DicomTag.BitsStored, DicomVR.US, 1)
            .AddOrUpdate<ushort>(DicomTag.HighBit, DicomVR.US, 0)
            .AddOrUpdate<ushort>(DicomTag.PixelRepresentation, DicomVR.US, 0)
            .AddOrUpdate(DicomTag.LossyImageCompression, DicomVR.CS, "00");
        dataset.Add(new DicomElement(DicomTag.PixelData, DicomVR.OB, Pack(grid, frames)));
        return dataset;
    }

    /// <summary>The frames' bits, pixel after pixel, the first pixel in the lowest bit; the whole padded to an even length.</summary>
    private static byte[] Pack(SourceGrid grid, List<(Segment Segment, int Slice)> frames)
    {
        var bits = (long)frames.Count * grid.SliceLength;
        var bytes = new byte[(bits + 15) / 16 * 2];
        long k = 0;
        foreach (var (segment, slice) in frames)
        {
            var offset = slice * grid.SliceLength;
            for (var p = 0; p < grid.SliceLength; p++, k++)
            {
                if (segment.Mask[offset + p])
                {
                    bytes[k >> 3] |= (byte)(1 << (int)(k & 7));
                }
            }
        }

        return bytes;
    }

    private static DicomDataset SegmentItem(Segment segment, SegmentationAlgorithm algorithm)
    {
        var item = new DicomDataset()
            .AddOrUpdate<ushort>(DicomTag.SegmentNumber, DicomVR.US, (ushort)segment.Number)
            .AddOrUpdate(DicomTag.SegmentLabel, DicomVR.LO, segment.Label)
            .AddOrUpdate(DicomTag.SegmentAlgorithmType, DicomVR.CS, "AUTOMATIC")
            .AddOrUpdate(DicomTag.SegmentAlgorithmName, DicomVR.LO, algorithm.Name)
            .Add(segment.Category.ToSequence(DicomTag.SegmentedPropertyCategoryCodeSequence))
            .AddOrUpdate(DicomTag.RecommendedDisplayCIELabValue, DicomVR.US, segment.CieLab);
        var type = segment.Type.ToItem();
        if (segment.TypeModifier is { } modifier)
        {
            // Laterality and the like qualify the type inside its item (PS3.3 Table 10-25).
            type.Add(modifier.ToSequence(DicomTag.SegmentedPropertyTypeModifierCodeSequence));
        }

        item.Add(new DicomSequence(DicomTag.SegmentedPropertyTypeCodeSequence, [type]));
        if (segment.AnatomicRegion is { } region)
        {
            item.Add(region.ToSequence(DicomTag.AnatomicRegionSequence));
        }

        // Algorithm Identification macro (PS3.3 Table 10-19): an automatic segment says which algorithm made it.
        item.Add(new DicomSequence(DicomTag.SegmentationAlgorithmIdentificationSequence, [new DicomDataset()
            .Add(algorithm.Family.ToSequence(DicomTag.AlgorithmFamilyCodeSequence))
            .AddOrUpdate(DicomTag.AlgorithmName, DicomVR.LO, algorithm.Name)
            .AddOrUpdate(DicomTag.AlgorithmVersion, DicomVR.LO, algorithm.Version)]));
        return item;
    }

    private static DicomDataset FrameItem(SourceGrid grid, int segmentNumber, int slice)
    {
        var source = grid.Slices[slice];
        var frame = new DicomDataset();
        frame.Add(new DicomSequence(DicomTag.FrameContentSequence, [new DicomDataset()
            .AddOrUpdate<uint>(DicomTag.DimensionIndexValues, DicomVR.UL, (uint)segmentNumber, (uint)slice + 1)]));
        frame.Add(new DicomSequence(DicomTag.PlanePositionSequence, [new DicomDataset()
            .AddOrUpdate(DicomTag.ImagePositionPatient, DicomVR.DS, DicomText.Decimals(source.ImagePositionPatient))]));
        frame.Add(new DicomSequence(DicomTag.DerivationImageSequence, [new DicomDataset()
            .Add(new DicomSequence(DicomTag.SourceImageSequence, [new DicomDataset()
                .AddOrUpdate(DicomTag.ReferencedSOPClassUID, DicomVR.UI, source.SopClassUid)
                .AddOrUpdate(DicomTag.ReferencedSOPInstanceUID, DicomVR.UI, source.SopInstanceUid)
                .Add(SourceForProcessing.ToSequence(DicomTag.PurposeOfReferenceCodeSequence))]))
            .Add(SegmentationDerivation.ToSequence(DicomTag.DerivationCodeSequence))]));
        frame.Add(new DicomSequence(DicomTag.SegmentIdentificationSequence, [new DicomDataset()
            .AddOrUpdate<ushort>(DicomTag.ReferencedSegmentNumber, DicomVR.US, (ushort)segmentNumber)]));
        return frame;
    }

    private static DicomDataset Dimension(string organization, DicomTag index, DicomTag group, string label) => new DicomDataset()
        .AddOrUpdate(DicomTag.DimensionOrganizationUID, DicomVR.UI, organization)
        .AddOrUpdate(DicomTag.DimensionIndexPointer, index)
        .AddOrUpdate(DicomTag.FunctionalGroupPointer, group)
        .AddOrUpdate(DicomTag.DimensionDescriptionLabel, DicomVR.LO, label);
}
