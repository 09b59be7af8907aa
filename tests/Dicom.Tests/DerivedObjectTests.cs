using System.Text.Json;
using System.Text.Json.Nodes;
using Imaging.Dicom;

namespace Dicom.Tests;

/// <summary>
/// The derived objects an analysis writes beside its source series (Segmentation, Structured Report, Presentation
/// State): valid IODs for dicom3tools' dciodvfy, read back by pydicom to the same content.
/// </summary>
public sealed class DerivedObjectTests(DicomCorpus corpus)
{
    private static readonly PatientStudy Study = new("PAT-9", "Chest^Phantom", DicomUid.Generate(), new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero),
        AccessionNumber: "ACC-9", StudyId: "S9", StudyDescription: "CT chest");

    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private const string CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";

    internal static readonly SegmentationAlgorithm Algorithm = new("Test segmenter", "1.0", new CodedConcept("123104", "DCM", "Morphological Operations"));

    /// <summary>Four axial 12×10 slices 2.5 mm apart, foot to head.</summary>
    internal static SourceGrid Grid(string seriesUid) => new(seriesUid, DicomUid.Generate(), Rows: 10, Columns: 12, RowSpacing: 0.8, ColumnSpacing: 0.7,
        SliceThickness: 2.5, [1, 0, 0, 0, 1, 0],
        [.. Enumerable.Range(0, 4).Select(s => new SourceImage(CtImageStorage, DicomUid.Generate(), [-4.2, -3.6, -100 + 2.5 * s]))]);

    [Fact]
    public void A_binary_segmentation_is_valid_and_pydicom_finds_every_segment_voxel_on_its_source_slice()
    {
        var grid = Grid(DicomUid.Generate());
        var voxels = grid.SliceLength * grid.Slices.Count;
        var right = new bool[voxels];
        var nodule = new bool[voxels];
        // Right lung: a block on slices 0-2; a nodule: three voxels on slice 2 only (so frames differ per segment).
        for (var s = 0; s < 3; s++)
        {
            for (var r = 2; r < 8; r++)
            {
                for (var c = 1; c < 5; c++)
                {
                    right[(s * grid.Rows + r) * grid.Columns + c] = true;
                }
            }
        }

        foreach (var (r, c) in new[] { (4, 9), (4, 10), (5, 9) })
        {
            nodule[(2 * grid.Rows + r) * grid.Columns + c] = true;
        }

        var lung = new CodedConcept("39607008", "SCT", "Lung");
        var segments = new[]
        {
            new Segment(1, "Right lung", new CodedConcept("123037004", "SCT", "Anatomical Structure"), lung, DisplayColour.FromRgb(128, 174, 128), right,
                TypeModifier: new CodedConcept("24028007", "SCT", "Right")),
            new Segment(2, "Nodule 1", new CodedConcept("49755003", "SCT", "Morphologically Abnormal Structure"), new CodedConcept("27925004", "SCT", "Nodule"),
                DisplayColour.FromRgb(255, 215, 0), nodule, AnatomicRegion: lung),
        };
        var dataset = Segmentations.Binary(Study, new ImageSeries(DicomUid.Generate(), 9104, "SEG", "qCT segmentation"), 1, grid, segments, "QCT", Algorithm, Now);
        var path = Save(dataset, "seg.dcm");

        ImageTests.AssertValidIod(path, "Segmentation");
        var read = JsonNode.Parse(Tools.RunChecked(Tools.Python, Tools.OracleScript("pydicom_seg.py"), path,
            JsonSerializer.Serialize(grid.Slices.Select(s => s.ImagePositionPatient[2]))))!;
        Assert.Equal(("SEG", "BINARY", grid.FrameOfReferenceUid), (read["modality"]!.GetValue<string>(), read["type"]!.GetValue<string>(),
            read["frame_of_reference"]!.GetValue<string>()));
        foreach (var segment in segments)
        {
            var found = read["segments"]![segment.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)]!;
            Assert.Equal((segment.Label, segment.Category.Value, segment.Type.Value, segment.TypeModifier?.Value),
                (found["label"]!.GetValue<string>(), found["category"]!.GetValue<string>(), found["type"]!.GetValue<string>(), found["modifier"]?.GetValue<string>()));
            var expected = Enumerable.Range(0, voxels).Where(i => segment.Mask[i])
                .Select(i => $"{i / grid.SliceLength},{i / grid.Columns % grid.Rows},{i % grid.Columns}").Order();
            Assert.Equal(expected, found["voxels"]!.AsArray().Select(v => string.Join(',', v!.AsArray().Select(n => n!.GetValue<int>()))).Order());
        }

        // Each frame names the source image of its own slice.
        Assert.Equal(grid.Slices[2].SopInstanceUid, read["sources"]!["2"]!.GetValue<string>());
        // Three right-lung frames and one nodule frame: only the slices a segment touches.
        Assert.Equal("4", DicomFile.Open(path).Dataset.GetString(DicomTag.NumberOfFrames)?.Trim());
    }

    [Fact]
    public void A_measurement_report_is_a_valid_comprehensive_SR_whose_groups_pydicom_reads_with_their_segments_and_numbers()
    {
        var grid = Grid(DicomUid.Generate());
        var mask = new bool[grid.SliceLength * grid.Slices.Count];
        mask[5] = mask[grid.SliceLength + 5] = true;
        var lung = new CodedConcept("39607008", "SCT", "Lung");
        var segSeries = new ImageSeries(DicomUid.Generate(), 9104, "SEG");
        var seg = Segmentations.Binary(Study, segSeries, 1, grid,
            [new Segment(1, "Right lung", new CodedConcept("123037004", "SCT", "Anatomical Structure"), lung, DisplayColour.FromRgb(1, 2, 3), mask)], "QCT", Algorithm, Now);
        var segUid = seg.GetString(DicomTag.SOPInstanceUID)!;
        var group = new VolumetricMeasurementGroup("Right lung", DicomUid.Generate(), lung, lung, new CodedConcept("24028007", "SCT", "Right"),
            new SegmentReference(segSeries.SeriesInstanceUid, segUid, 1), grid.SeriesInstanceUid,
            [
                new RegionMeasurement(new CodedConcept("118565006", "SCT", "Volume"), 2875.25, MeasurementReports.Millilitre),
                new RegionMeasurement(new CodedConcept("112031", "DCM", "Attenuation Coefficient"), -861.4, MeasurementReports.Hounsfield,
                    new CodedConcept("373098007", "SCT", "Mean")),
            ]);
        var sources = grid.Slices.Select(s => new EvidenceInstance(Study.StudyInstanceUid, grid.SeriesInstanceUid, s.SopClassUid, s.SopInstanceUid)).ToList();
        var report = MeasurementReports.Imaging(Study, new ImageSeries(DicomUid.Generate(), 9105, "SR", "qCT measurements"), 1,
            new CodedConcept("25045-6", "LN", "CT unspecified body region"), DicomUid.Generate(), "Test segmenter", sources, [group], Now);
        var path = Save(report, "sr.dcm");

        ImageTests.AssertValidIod(path, "ComprehensiveSR");
        // DCMTK's SR reader checks the content tree's relationships against the IOD's rules.
        var (code, dump, errors) = Tools.Run("dsrdump", "-Ec", path);
        Assert.True(code == 0 && !(dump + errors).Contains("Error", StringComparison.OrdinalIgnoreCase), dump + errors);
        var read = JsonNode.Parse(Tools.RunChecked(Tools.Python, Tools.OracleScript("pydicom_sr.py"), path))!;
        Assert.Equal(("126000", "1500", "SR"), (read["title"]!.GetValue<string>(), read["template"]!.GetValue<string>(), read["modality"]!.GetValue<string>()));
        var found = read["groups"]!.AsArray().Single()!;
        Assert.Equal(("Right lung", "39607008", segUid, 1), (found["tracking"]!.GetValue<string>(), found["finding"]!.GetValue<string>(),
            found["segmentation"]!.GetValue<string>(), found["segment"]!.GetValue<int>()));
        Assert.Equal(2875.25, found["measurements"]!["Volume"]![0]!.GetValue<double>());
        Assert.Equal("ml", found["measurements"]!["Volume"]![1]!.GetValue<string>());
        Assert.Equal(-861.4, found["measurements"]!["Attenuation Coefficient"]![0]!.GetValue<double>());
        // The evidence names every source image and the Segmentation.
        Assert.Equal(sources.Select(s => s.SopInstanceUid).Append(segUid).Order(), read["evidence"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Throws<ArgumentException>(() => MeasurementReports.Imaging(Study, new ImageSeries("1.2.3", 1, "SR"), 1, group.Finding, "1.2.3", "x", sources, [], Now));
    }

    [Fact]
    public void A_presentation_state_is_a_valid_GSPS_whose_window_and_drawings_pydicom_reads()
    {
        var grid = Grid(DicomUid.Generate());
        var image = new PresentedImage(grid.SeriesInstanceUid, CtImageStorage, grid.Slices[2].SopInstanceUid, grid.Rows, grid.Columns);
        var outline = new PolylineMark([(2.5, 2.5), (6.5, 2.5), (6.5, 6.5), (2.5, 6.5), (2.5, 2.5)]);
        var diameter = new PolylineMark([(2.5, 2.5), (6.5, 6.5)]);
        var dataset = PresentationStates.Grayscale(Study, new ImageSeries(DicomUid.Generate(), 9106, "PR", "qCT nodules"), 1, "QCT NODULES", "Nodule outlines",
            [new ImageMarks(image, [outline, diameter], [new TextMark("Nodule 1: 5.7 mm", 7, 2)])], new ModalityRescale(1, -1024, "HU"), -600, 1500, "Lung", "NODULES", Now);
        var path = Save(dataset, "gsps.dcm");

        ImageTests.AssertValidIod(path, "GrayscaleSoftcopyPresentationState");
        var read = JsonNode.Parse(Tools.RunChecked(Tools.Python, "-c",
            "import sys, json, pydicom; d = pydicom.dcmread(sys.argv[1]); a = d.GraphicAnnotationSequence[0]; v = d.SoftcopyVOILUTSequence[0]; "
            + "print(json.dumps({'modality': d.Modality, 'image': a.ReferencedImageSequence[0].ReferencedSOPInstanceUID, 'center': float(v.WindowCenter), "
            + "'width': float(v.WindowWidth), 'intercept': float(d.RescaleIntercept), 'lines': [[float(x) for x in g.GraphicData] for g in a.GraphicObjectSequence], "
            + "'text': a.TextObjectSequence[0].UnformattedTextValue}))", path))!;
        Assert.Equal(("PR", image.SopInstanceUid, -600.0, 1500.0, -1024.0), (read["modality"]!.GetValue<string>(), read["image"]!.GetValue<string>(),
            read["center"]!.GetValue<double>(), read["width"]!.GetValue<double>(), read["intercept"]!.GetValue<double>()));
        Assert.Equal([2.5, 2.5, 6.5, 6.5], read["lines"]![1]!.AsArray().Select(n => n!.GetValue<double>()));
        Assert.Equal(10, read["lines"]![0]!.AsArray().Count);
        Assert.Equal("Nodule 1: 5.7 mm", read["text"]!.GetValue<string>());
        Assert.Throws<ArgumentException>(() => PresentationStates.Grayscale(Study, new ImageSeries("1.2.3", 1, "PR"), 1, "lower case", "x",
            [new ImageMarks(image, [], [])], new ModalityRescale(1, 0, "HU"), 40, 400, "x", "L", Now));
    }

    [Fact]
    public void A_segmentation_refuses_empty_segments_and_masks_of_another_size()
    {
        var grid = Grid(DicomUid.Generate());
        var category = new CodedConcept("123037004", "SCT", "Anatomical Structure");
        var type = new CodedConcept("39607008", "SCT", "Lung");
        Assert.Throws<ArgumentException>(() => Segmentations.Binary(Study, new ImageSeries("1.2.3", 1, "SEG"), 1, grid,
            [new Segment(1, "Lung", category, type, DisplayColour.FromRgb(0, 0, 0), new bool[grid.SliceLength * 4])], "QCT", Algorithm, Now));
        Assert.Throws<ArgumentException>(() => Segmentations.Binary(Study, new ImageSeries("1.2.3", 1, "SEG"), 1, grid,
            [new Segment(1, "Lung", category, type, DisplayColour.FromRgb(0, 0, 0), new bool[7])], "QCT", Algorithm, Now));
    }

    private string Save(DicomDataset dataset, string name)
    {
        var path = Path.Combine(corpus.Directory, "derived-" + name);
        DicomFile.Create(dataset).Save(path);
        return path;
    }
}
