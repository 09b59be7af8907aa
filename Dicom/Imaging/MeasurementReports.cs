namespace Imaging.Dicom;

/// <summary>One measurement of a region: what (coded), the value, its UCUM unit, and how it was derived (such as SCT "Mean"), if said.</summary>
public sealed record RegionMeasurement(CodedConcept Name, double Value, CodedConcept Unit, CodedConcept? Derivation = null);

/// <summary>A segment of a stored Segmentation instance (its series and SOP instance), as an SR references it.</summary>
public sealed record SegmentReference(string SeriesInstanceUid, string SopInstanceUid, int SegmentNumber);

/// <summary>
/// A volumetric region's measurements (TID 1411): tracked by a name and UID, the finding and where it is (finding
/// site, with laterality), the segment that outlines it and the measurements.
/// </summary>
public sealed record VolumetricMeasurementGroup(string TrackingId, string TrackingUid, CodedConcept Finding, CodedConcept? FindingSite,
    CodedConcept? Laterality, SegmentReference Segment, string SourceSeriesInstanceUid, IReadOnlyList<RegionMeasurement> Measurements);

/// <summary>
/// The Imaging Measurement Report of PS3.16 TID 1500 as a Comprehensive SR: language, the device that measured
/// (TID 1001/1004), the procedure reported, the image library (TID 1600) and one Measurement Group (TID 1411) per
/// region, each pointing at its segment in a Segmentation, as quantitative imaging tools (dcmqi, highdicom) exchange them.
/// </summary>
public static class MeasurementReports
{
    public static readonly CodedConcept Millilitre = new("ml", "UCUM", "milliliter");

    public static readonly CodedConcept Millimetre = new("mm", "UCUM", "millimeter");

    public static readonly CodedConcept Percent = new("%", "UCUM", "Percent");

    public static readonly CodedConcept Hounsfield = new("[hnsf'U]", "UCUM", "Hounsfield unit");

    private static readonly CodedConcept ReportTitle = new("126000", "DCM", "Imaging Measurement Report");

    public static DicomDataset Imaging(PatientStudy study, ImageSeries series, int instanceNumber, CodedConcept procedure, string deviceObserverUid,
        string deviceObserverName, IReadOnlyList<EvidenceInstance> sourceImages, IReadOnlyList<VolumetricMeasurementGroup> groups, DateTimeOffset contentTime,
        string? sopInstanceUid = null)
    {
        if (groups.Count == 0 || sourceImages.Count == 0)
        {
            throw new ArgumentException("A measurement report has at least one measurement group and one source image.", groups.Count == 0 ? nameof(groups) : nameof(sourceImages));
        }

        const string Contains = "CONTAINS", HasModifier = "HAS CONCEPT MOD", HasContext = "HAS OBS CONTEXT";
        var content = new List<DicomDataset>
        {
            // TID 1204: the language of the content.
            StructuredReports.Code(HasModifier, new("121049", "DCM", "Language of Content Item and Descendants"), new("en-US", "RFC5646", "English (United States)")),
            // TID 1002/1004: a device observed, not a person.
            StructuredReports.Code(HasContext, new("121005", "DCM", "Observer Type"), new("121007", "DCM", "Device")),
            StructuredReports.UidReference(HasContext, new("121012", "DCM", "Device Observer UID"), deviceObserverUid),
            StructuredReports.Text(HasContext, new("121013", "DCM", "Device Observer Name"), deviceObserverName),
            StructuredReports.Code(HasModifier, new("121058", "DCM", "Procedure reported"), procedure),
            // TID 1600: the images measured, one group for the source series.
            StructuredReports.Container(Contains, new("111028", "DCM", "Image Library"),
                sourceImages.GroupBy(i => i.SeriesInstanceUid).Select(series => StructuredReports.Container(Contains, new("126200", "DCM", "Image Library Group"),
                    series.Select(i => StructuredReports.Image(Contains, null, i.SopClassUid, i.SopInstanceUid))))),
            StructuredReports.Container(Contains, new("126010", "DCM", "Imaging Measurements"), groups.Select(Group)),
        };

        var segmentations = groups.Select(g => g.Segment).DistinctBy(s => s.SopInstanceUid)
            .Select(s => new EvidenceInstance(study.StudyInstanceUid, s.SeriesInstanceUid, Segmentations.SegmentationStorage, s.SopInstanceUid));
        return StructuredReports.Comprehensive(study, series, instanceNumber, ReportTitle, "1500", content, [.. sourceImages, .. segmentations], contentTime,
            sopInstanceUid);
    }

    private static DicomDataset Group(VolumetricMeasurementGroup group)
    {
        const string Contains = "CONTAINS", HasModifier = "HAS CONCEPT MOD", HasContext = "HAS OBS CONTEXT";
        var items = new List<DicomDataset>
        {
            StructuredReports.Text(HasContext, new("112039", "DCM", "Tracking Identifier"), group.TrackingId),
            StructuredReports.UidReference(HasContext, new("112040", "DCM", "Tracking Unique Identifier"), group.TrackingUid),
            StructuredReports.Code(Contains, new("121071", "DCM", "Finding"), group.Finding),
        };
        if (group.FindingSite is { } site)
        {
            var siteItem = StructuredReports.Code(HasModifier, new("363698007", "SCT", "Finding Site"), site);
            if (group.Laterality is { } laterality)
            {
                siteItem.Add(new DicomSequence(DicomTag.ContentSequence,
                    [StructuredReports.Code(HasModifier, new("272741003", "SCT", "Laterality"), laterality)]));
            }

            items.Add(siteItem);
        }

        items.Add(StructuredReports.Image(Contains, new("121191", "DCM", "Referenced Segment"), Segmentations.SegmentationStorage, group.Segment.SopInstanceUid,
            group.Segment.SegmentNumber));
        items.Add(StructuredReports.UidReference(Contains, new("121232", "DCM", "Source series for segmentation"), group.SourceSeriesInstanceUid));
        items.AddRange(group.Measurements.Select(m => StructuredReports.Number(Contains, m.Name, m.Value, m.Unit,
            m.Derivation is { } derivation ? [StructuredReports.Code(HasModifier, new("121401", "DCM", "Derivation"), derivation)] : null)));
        return StructuredReports.Container(Contains, new("125007", "DCM", "Measurement Group"), items, "1411");
    }
}
