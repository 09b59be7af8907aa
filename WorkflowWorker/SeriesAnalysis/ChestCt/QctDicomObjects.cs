using System.Globalization;

namespace Imaging.WorkflowWorker.SeriesAnalysis.ChestCt;

/// <summary>A derived DICOM object of a qCT analysis: the result kind it answers, its file name and its Part-10 bytes.</summary>
public sealed record QctObject(string Kind, string Name, byte[] Dicom);

/// <summary>
/// The qCT findings as standard objects a PACS and a viewer read beside the CT, each in its own series of the analysed
/// study: "seg", a binary Segmentation of both lungs, each lung and each nodule; "sr", a TID 1500 measurement report
/// of the same regions pointing at their segments; "gsps", one presentation state per nodule drawing its outline and
/// longest diameter on its key slice of the CT in a lung window; "pr", one presentation state for the whole CT in a
/// lung window with every nodule drawn on its key slice (made also when there is no nodule).
/// </summary>
public static class QctDicomObjects
{
    public const string AlgorithmVersion = "1.0";

    public static readonly SegmentationAlgorithm Algorithm = new("qCT lungs and nodules", AlgorithmVersion,
        new CodedConcept("123104", "DCM", "Morphological Operations"));

    private static readonly CodedConcept AnatomicalStructure = new("123037004", "SCT", "Anatomical Structure");
    private static readonly CodedConcept AbnormalStructure = new("49755003", "SCT", "Morphologically Abnormal Structure");
    private static readonly CodedConcept Lung = new("39607008", "SCT", "Lung");
    private static readonly CodedConcept Nodule = new("27925004", "SCT", "Nodule");
    private static readonly CodedConcept Right = new("24028007", "SCT", "Right");
    private static readonly CodedConcept Left = new("7771000", "SCT", "Left");
    private static readonly CodedConcept Volume = new("118565006", "SCT", "Volume");
    private static readonly CodedConcept Diameter = new("81827009", "SCT", "Diameter");
    private static readonly CodedConcept Maximum = new("56851009", "SCT", "Maximum");
    private static readonly CodedConcept Mean = new("373098007", "SCT", "Mean");
    private static readonly CodedConcept Attenuation = new("112031", "DCM", "Attenuation Coefficient");

    /// <summary>No standard code names %LAA-950: a local one (coding schemes starting "99" are private, PS3.16 8.2).</summary>
    public static readonly CodedConcept EmphysemaIndex = new("LAA950", "99IRP", "Emphysema index (%LAA-950)");

    /// <summary>LOINC 25045-6, the procedure code DICOM lists for a CT (CID 100).</summary>
    private static readonly CodedConcept CtProcedure = new("25045-6", "LN", "CT unspecified body region");

    public static List<QctObject> Make(CtStack stack, Lungs lungs, ChestCtFindings findings, QctReport report, PatientStudy study, string uidName,
        DateTimeOffset now)
    {
        var first = stack.Slices[0];
        var sourceSeries = first.GetString(DicomTag.SeriesInstanceUID) ?? "";
        var volume = stack.Volume;
        var grid = new SourceGrid(sourceSeries, first.GetString(DicomTag.FrameOfReferenceUID) is { Length: > 0 } frame ? frame : DicomUid.FromName("frame-of-reference:" + sourceSeries),
            volume.Rows, volume.Columns, volume.RowSpacing, volume.ColumnSpacing, ThicknessOf(first, volume.SliceSpacing),
            first.GetValues<double>(DicomTag.ImageOrientationPatient),
            [.. stack.Slices.Select(s => new SourceImage(s.GetString(DicomTag.SOPClassUID) ?? "", s.GetString(DicomTag.SOPInstanceUID) ?? "",
                s.GetValues<double>(DicomTag.ImagePositionPatient)))]);

        // Segments: both lungs, each lung, each nodule, numbered in that order.
        var both = new bool[lungs.RightRegion.Length];
        for (var i = 0; i < both.Length; i++)
        {
            both[i] = lungs.RightRegion[i] || lungs.LeftRegion[i];
        }

        var segments = new List<Segment>
        {
            new(1, "Lungs", AnatomicalStructure, Lung, DisplayColour.FromRgb(197, 165, 145), both),
            new(2, "Right lung", AnatomicalStructure, Lung, DisplayColour.FromRgb(128, 174, 128), lungs.RightRegion, TypeModifier: Right),
            new(3, "Left lung", AnatomicalStructure, Lung, DisplayColour.FromRgb(111, 184, 210), lungs.LeftRegion, TypeModifier: Left),
        };
        foreach (var nodule in findings.Nodules)
        {
            var mask = new bool[both.Length];
            foreach (var v in nodule.Voxels)
            {
                mask[v] = true;
            }

            segments.Add(new(3 + nodule.Number, $"Nodule {nodule.Number}", AbnormalStructure, Nodule, DisplayColour.FromRgb(255, 215, 0), mask, AnatomicRegion: Lung));
        }

        var segSeries = new ImageSeries(DicomUid.FromName(uidName + ":qct-seg"), 9104, "SEG", "qCT lungs and nodules (segmentation)", grid.FrameOfReferenceUid);
        var seg = Segmentations.Binary(study, segSeries, 1, grid, segments, "QCT", Algorithm, now, DicomUid.FromName(uidName + ":qct-seg:1"));
        var segUid = seg.GetString(DicomTag.SOPInstanceUID)!;

        var groups = new List<VolumetricMeasurementGroup>
        {
            LungGroup("Lungs", 1, report.Lungs, null),
            LungGroup("Right lung", 2, report.RightLung, Right),
            LungGroup("Left lung", 3, report.LeftLung, Left),
        };
        groups.AddRange(report.Nodules.Select(n => new VolumetricMeasurementGroup($"Nodule {n.Number}", DicomUid.FromName($"{uidName}:qct-track:nodule:{n.Number}"),
            Nodule, Lung, n.Lung == "right" ? Right : Left, new SegmentReference(segSeries.SeriesInstanceUid, segUid, 3 + n.Number), sourceSeries,
            [new RegionMeasurement(Diameter, n.LongestDiameterMm, MeasurementReports.Millimetre, Maximum),
             new RegionMeasurement(Volume, n.VolumeMl, MeasurementReports.Millilitre)])));
        var sources = grid.Slices.Select(s => new EvidenceInstance(study.StudyInstanceUid, sourceSeries, s.SopClassUid, s.SopInstanceUid)).ToList();
        var sr = MeasurementReports.Imaging(study, new ImageSeries(DicomUid.FromName(uidName + ":qct-sr"), 9105, "SR", "qCT measurements"), 1, CtProcedure,
            DicomUid.FromName("device:qct"), Algorithm.Name, sources, groups, now, DicomUid.FromName(uidName + ":qct-sr:1"));

        var objects = new List<QctObject> { new("seg", "seg.dcm", Bytes(seg)), new("sr", "sr.dcm", Bytes(sr)) };
        var marks = findings.Nodules.Select(n => Marks(stack, grid, n)).ToList();
        var rescale = new ModalityRescale(first.GetValue<double>(DicomTag.RescaleSlope), first.GetValue<double>(DicomTag.RescaleIntercept), "HU");
        var window = QctResults.LungWindow;
        var gspsSeries = new ImageSeries(DicomUid.FromName(uidName + ":qct-gsps"), 9106, "PR", "qCT nodule key slices (presentation states)");
        objects.AddRange(marks.Select((m, i) => new QctObject("gsps", $"gsps-{i + 1:D2}.dcm", Bytes(PresentationStates.Grayscale(study, gspsSeries, i + 1,
            $"QCT NODULE {i + 1}", $"Nodule {i + 1}: outline and longest diameter", [m], rescale, window.Center, window.Width, "Lung", "NODULES", now,
            DicomUid.FromName($"{uidName}:qct-gsps:{i + 1}"))))));
        // The whole series in a lung window, every nodule drawn on its key slice: the one state to open the CT with.
        var prImages = grid.Slices.Select(source =>
        {
            var onThis = marks.Where(m => m.Image.SopInstanceUid == source.SopInstanceUid).ToList();
            return new ImageMarks(new PresentedImage(sourceSeries, source.SopClassUid, source.SopInstanceUid, volume.Rows, volume.Columns),
                [.. onThis.SelectMany(m => m.Lines)], [.. onThis.SelectMany(m => m.Texts)]);
        }).ToList();
        var prSeries = new ImageSeries(DicomUid.FromName(uidName + ":qct-pr"), 9107, "PR", "qCT lung window with nodules (presentation state)");
        objects.Add(new QctObject("pr", "pr.dcm", Bytes(PresentationStates.Grayscale(study, prSeries, 1, "QCT LUNG WINDOW", "Lung window, every nodule outlined",
            prImages, rescale, window.Center, window.Width, "Lung", "NODULES", now, DicomUid.FromName(uidName + ":qct-pr:1")))));
        return objects;

        VolumetricMeasurementGroup LungGroup(string name, int segment, LungFigures figures, CodedConcept? laterality) =>
            new(name, DicomUid.FromName($"{uidName}:qct-track:{name}"), Lung, Lung, laterality, new SegmentReference(segSeries.SeriesInstanceUid, segUid, segment),
                sourceSeries,
                [new RegionMeasurement(Volume, figures.VolumeMl, MeasurementReports.Millilitre),
                 new RegionMeasurement(EmphysemaIndex, figures.Laa950Percent, MeasurementReports.Percent),
                 new RegionMeasurement(Attenuation, figures.MeanDensityHu, MeasurementReports.Hounsfield, Mean)]);
    }

    /// <summary>
    /// A nodule on its key slice: its outline (where rays from its centre leave it, every 10°) and its longest diameter
    /// across that outline, with the report's diameter as text.
    /// </summary>
    private static ImageMarks Marks(CtStack stack, SourceGrid grid, NoduleFinding nodule)
    {
        var volume = stack.Volume;
        var inSlice = nodule.Voxels.Where(v => v / volume.SliceLength == nodule.KeySlice).Select(v => v % volume.SliceLength).ToHashSet();
        var key = nodule.KeySlice;
        if (inSlice.Count == 0)
        {
            // The centre fell between slices: the slice with most of the nodule.
            key = nodule.Voxels.GroupBy(v => v / volume.SliceLength).MaxBy(g => g.Count())!.Key;
            inSlice = nodule.Voxels.Where(v => v / volume.SliceLength == key).Select(v => v % volume.SliceLength).ToHashSet();
        }

        var (cc, cr) = (inSlice.Average(p => p % volume.Columns), inSlice.Average(p => p / volume.Columns));
        bool Inside(double c, double r) => c >= 0 && r >= 0 && c < volume.Columns && r < volume.Rows
            && inSlice.Contains((int)Math.Round(r) * volume.Columns + (int)Math.Round(c));
        var outline = new List<(double Column, double Row)>();
        for (var angle = 0; angle < 360; angle += 10)
        {
            var (dc, dr) = (Math.Cos(angle * Math.PI / 180), Math.Sin(angle * Math.PI / 180));
            double reach = 0;
            for (var t = 0.0; t < 64; t += 0.25)
            {
                if (Inside(cc + dc * t, cr + dr * t))
                {
                    reach = t;
                }
            }

            // To the edge of the last voxel inside, in GSPS pixel coordinates (a pixel's centre is at +0.5).
            outline.Add((cc + dc * (reach + 0.5) + 0.5, cr + dr * (reach + 0.5) + 0.5));
        }

        var (a, b) = (outline[0], outline[0]);
        double longest = -1;
        foreach (var p in outline)
        {
            foreach (var q in outline)
            {
                var d = Math.Pow((p.Column - q.Column) * volume.ColumnSpacing, 2) + Math.Pow((p.Row - q.Row) * volume.RowSpacing, 2);
                if (d > longest)
                {
                    (a, b, longest) = (p, q, d);
                }
            }
        }

        outline.Add(outline[0]);
        var source = grid.Slices[key];
        var image = new PresentedImage(grid.SeriesInstanceUid, source.SopClassUid, source.SopInstanceUid, volume.Rows, volume.Columns);
        var label = string.Create(CultureInfo.InvariantCulture, $"Nodule {nodule.Number}: {nodule.LongestDiameterMm:0.0} mm, {nodule.VolumeMl * 1000:0} mm3");
        return new ImageMarks(image, [new PolylineMark(outline), new PolylineMark([a, b])],
            [new TextMark(label, Math.Min(volume.Columns - 1, outline.Max(p => p.Column) + 4), Math.Max(1, outline.Min(p => p.Row)))]);
    }

    private static double ThicknessOf(DicomDataset slice, double spacing) =>
        double.TryParse(slice.GetString(DicomTag.SliceThickness)?.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var thickness) && thickness > 0
            ? thickness
            : spacing;

    private static byte[] Bytes(DicomDataset dataset)
    {
        using var buffer = new MemoryStream();
        DicomFile.Create(dataset).Save(buffer);
        return buffer.ToArray();
    }
}
