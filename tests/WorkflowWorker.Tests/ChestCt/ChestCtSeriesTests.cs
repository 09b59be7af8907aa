using Imaging.Dicom;
using Imaging.TestSupport;
using Imaging.WorkflowWorker.SeriesAnalysis.ChestCt;

namespace WorkflowWorker.Tests.ChestCt;

/// <summary>
/// A chest CT written by pydicom (another writer than ours) from the phantom, its files in a shuffled order, read by our
/// reader into one volume and measured as the phantom's truth says; the series a sender spoils are refused with the reason.
/// </summary>
public sealed class ChestCtSeriesTests : IDisposable
{
    private static readonly string Writer = Path.Combine(AppContext.BaseDirectory, "Oracle", "chest_ct.py");
    private readonly string _folder = Directory.CreateTempSubdirectory("chest-ct-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_series_in_any_order_is_stacked_foot_to_head_and_measured_as_the_phantom_s_truth()
    {
        var phantom = new ChestPhantom { SliceMm = 2.5, Size = 128, PixelMm = 2.5 };
        var slices = Write(phantom, "");

        var (stack, reason) = ChestCtSeries.Build(slices);

        Assert.True(stack is not null, reason);
        Assert.Equal((phantom.Slices, 2.5, 2.5, 2.5, true), (stack.Volume.Slices, stack.Volume.SliceSpacing, stack.Volume.ColumnSpacing, stack.Volume.RowSpacing,
            stack.Volume.LeftIsHigherColumn));
        Assert.Equal(Enumerable.Range(1, phantom.Slices), stack.Slices.Select(d => int.Parse(d.GetString(DicomTag.InstanceNumber)!, System.Globalization.CultureInfo.InvariantCulture)));
        var (findings, why) = ChestCtAnalysis.Analyse(stack.Volume);
        Assert.True(findings is not null, why);
        var total = ChestPhantom.EllipsoidMl(phantom.RightLung) + ChestPhantom.EllipsoidMl(phantom.LeftLung);
        Assert.InRange(findings.Lungs.VolumeMl, 0.95 * total, 1.05 * total);
        Assert.InRange(findings.Lungs.Laa950Percent, phantom.TrueLaa950Percent - 1, phantom.TrueLaa950Percent + 1);
        Assert.Equal(3, findings.Nodules.Count);
        Assert.True(ChestCtSeries.IsChest(stack.Slices[0]));

        // The images made from it: Secondary Captures in the source's study that our reader and the window read back.
        var (report, overview, keys) = QctResults.Make(stack, LungSegmentation.Segment(stack.Volume).Lungs!, findings,
            new PatientStudy("QCT-PHANTOM", "Phantom^Chest", stack.Slices[0].GetString(DicomTag.StudyInstanceUID)!, DateTimeOffset.UnixEpoch, "QCT-ACC-1"),
            stack.Slices[0].GetString(DicomTag.SeriesInstanceUID)!, 1, "test", DateTimeOffset.UnixEpoch);
        Assert.Equal(QctResults.OverviewImages, overview.Count);
        Assert.Equal(3, keys.Count);
        Assert.Equal("Critical", report.TriageStatus);
        Assert.Equal(stack.Slices[findings.Nodules[0].KeySlice].GetString(DicomTag.SOPInstanceUID), report.Nodules[0].KeySopInstanceUid);
        var key = DicomReader.Read(new MemoryStream(keys[0].Dicom)).Dataset;
        Assert.Equal((DicomImages.SecondaryCaptureImageStorage, "QCT-PHANTOM"), (key.GetString(DicomTag.SOPClassUID), key.GetString(DicomTag.PatientID)));
        // The circle around the largest nodule is burned in: white pixels where the lung window shows the lung dark.
        var pixels = ModalityFrames.Read(key).Frames[0];
        Assert.Contains(pixels, v => v == 255);
    }

    [Fact]
    public void The_findings_become_a_SEG_an_SR_and_presentation_states_that_dciodvfy_passes_and_pydicom_reads_as_the_truth()
    {
        var phantom = new ChestPhantom { SliceMm = 2.5, Size = 128, PixelMm = 2.5 };
        var slices = Write(phantom, "");
        var stack = ChestCtSeries.Build(slices).Stack!;
        var lungs = LungSegmentation.Segment(stack.Volume).Lungs!;
        var findings = ChestCtAnalysis.Measure(stack.Volume, lungs);
        var study = new PatientStudy("QCT-PHANTOM", "Phantom^Chest", stack.Slices[0].GetString(DicomTag.StudyInstanceUID)!, DateTimeOffset.UnixEpoch, "QCT-ACC-1");
        var (report, _, _) = QctResults.Make(stack, lungs, findings, study, stack.Slices[0].GetString(DicomTag.SeriesInstanceUID)!, 1, "test", DateTimeOffset.UnixEpoch);

        var objects = QctDicomObjects.Make(stack, lungs, findings, report, study, "test", DateTimeOffset.UnixEpoch);

        Assert.Equal(["seg", "sr", "gsps", "gsps", "gsps", "pr"], objects.Select(o => o.Kind));
        var folder = Directory.CreateDirectory(Path.Combine(_folder, "objects")).FullName;
        foreach (var item in objects)
        {
            var path = Path.Combine(folder, item.Name);
            File.WriteAllBytes(path, item.Dicom);
            var (_, output, errors) = ExternalTool.RunUnchecked("dciodvfy", path);
            Assert.DoesNotContain("Error", output + errors, StringComparison.Ordinal);
            var dataset = DicomFile.Open(path).Dataset;
            // The source's patient and study, a series of its own.
            Assert.Equal(("QCT-PHANTOM", study.StudyInstanceUid), (dataset.GetString(DicomTag.PatientID), dataset.GetString(DicomTag.StudyInstanceUID)));
            Assert.NotEqual(stack.Slices[0].GetString(DicomTag.SeriesInstanceUID), dataset.GetString(DicomTag.SeriesInstanceUID));
        }

        // The SEG, read by pydicom onto the source slices: the lungs' segment against the phantom's truth, and one segment per nodule.
        var order = Path.Combine(_folder, "order.txt");
        File.WriteAllLines(order, stack.Slices.Select(s => s.GetString(DicomTag.SOPInstanceUID)!));
        var segments = System.Text.Json.Nodes.JsonNode.Parse(ExternalTool.Run("/usr/bin/python3", Path.Combine(AppContext.BaseDirectory, "Oracle", "seg_masks.py"),
            Path.Combine(folder, "seg.dcm"), order, folder))!.AsObject();
        Assert.Equal(["Lungs", "Right lung", "Left lung", "Nodule 1", "Nodule 2", "Nodule 3"], segments.Select(s => s.Value!["label"]!.GetValue<string>()));
        var lungsRead = File.ReadAllBytes(segments["1"]!["file"]!.GetValue<string>());
        var truth = phantom.LungTruth();
        var overlap = Enumerable.Range(0, truth.Length).Count(i => truth[i] && lungsRead[i] == 1);
        var dice = 2.0 * overlap / (truth.Count(t => t) + lungsRead.Count(v => v == 1));
        Assert.True(dice >= 0.9, $"Dice of the lungs' segment against the truth: {dice:0.000}");
        var largest = File.ReadAllBytes(segments["4"]!["file"]!.GetValue<string>()).Count(v => v == 1) * Math.Pow(2.5, 3) / 1000;
        Assert.InRange(largest, 0.8 * ChestPhantom.BallMl(phantom.Nodules.MaxBy(b => b.DiameterMm)!), 1.2 * ChestPhantom.BallMl(phantom.Nodules.MaxBy(b => b.DiameterMm)!));

        // The SR, read by pydicom: the figures of the report, each group pointing at its segment of that SEG.
        var sr = System.Text.Json.Nodes.JsonNode.Parse(ExternalTool.Run("/usr/bin/python3", Path.Combine(AppContext.BaseDirectory, "Oracle", "pydicom_sr.py"),
            Path.Combine(folder, "sr.dcm")))!;
        var groups = sr["groups"]!.AsArray();
        var segUid = DicomFile.Open(Path.Combine(folder, "seg.dcm")).Dataset.GetString(DicomTag.SOPInstanceUID);
        Assert.Equal(["Lungs", "Right lung", "Left lung", "Nodule 1", "Nodule 2", "Nodule 3"], groups.Select(g => g!["tracking"]!.GetValue<string>()));
        Assert.All(groups, g => Assert.Equal(segUid, g!["segmentation"]!.GetValue<string>()));
        Assert.Equal([1, 2, 3, 4, 5, 6], groups.Select(g => g!["segment"]!.GetValue<int>()));
        Assert.Equal(report.Lungs.VolumeMl, groups[0]!["measurements"]!["Volume"]![0]!.GetValue<double>());
        Assert.Equal(report.Lungs.Laa950Percent, groups[0]!["measurements"]!["Emphysema index (%LAA-950)"]![0]!.GetValue<double>());
        Assert.Equal(report.Nodules[0].LongestDiameterMm, groups[3]!["measurements"]!["Diameter"]![0]!.GetValue<double>());

        // Each GSPS draws on its nodule's key slice of the CT; the PR covers the whole series.
        var gsps = DicomFile.Open(Path.Combine(folder, "gsps-01.dcm")).Dataset;
        var drawnOn = gsps.GetSequence(DicomTag.GraphicAnnotationSequence)!.Items[0].GetSequence(DicomTag.ReferencedImageSequence)!.Items[0];
        Assert.Equal(report.Nodules[0].KeySopInstanceUid, drawnOn.GetString(DicomTag.ReferencedSOPInstanceUID));
        var pr = DicomFile.Open(Path.Combine(folder, "pr.dcm")).Dataset;
        Assert.Equal(stack.Slices.Count, pr.GetSequence(DicomTag.ReferencedSeriesSequence)!.Items[0].GetSequence(DicomTag.ReferencedImageSequence)!.Items.Count);
    }

    [Theory]
    [InlineData("localizer", "is a localiser (Image Type LOCALIZER)")]
    [InlineData("mixed", "different orientations")]
    [InlineData("no-rescale", "has no Rescale Intercept")]
    public void A_spoilt_series_is_refused_with_the_reason(string variant, string reason)
    {
        var slices = Write(new ChestPhantom { SliceMm = 10, Size = 64, PixelMm = 5 }, variant);

        var (stack, refused) = ChestCtSeries.Build(slices);

        Assert.Null(stack);
        Assert.Contains(reason, refused, StringComparison.Ordinal);
    }

    [Fact]
    public void A_series_of_one_slice_is_refused()
    {
        var slices = Write(new ChestPhantom { SliceMm = 10, Size = 64, PixelMm = 5 }, "").Take(1).ToList();

        Assert.Equal("The series has 1 slice(s); a chest CT for lung measurements has at least 10.", ChestCtSeries.Build(slices).Reason);
    }

    private List<CtSlice> Write(ChestPhantom phantom, string variant)
    {
        var volume = phantom.Build();
        var raw = Path.Combine(_folder, "volume.f32");
        File.WriteAllBytes(raw, System.Runtime.InteropServices.MemoryMarshal.AsBytes(volume.Hounsfield.AsSpan()).ToArray());
        var series = Directory.CreateDirectory(Path.Combine(_folder, "series")).FullName;
        ExternalTool.Run("/usr/bin/python3", Writer, raw, $"{volume.Columns}", $"{volume.Rows}", $"{volume.Slices}",
            phantom.PixelMm.ToString(System.Globalization.CultureInfo.InvariantCulture), phantom.SliceMm.ToString(System.Globalization.CultureInfo.InvariantCulture),
            series, variant);
        return [.. Directory.GetFiles(series).Order(StringComparer.Ordinal).Select(f => DicomFile.Open(f).Dataset).Select(d => new CtSlice(d, ModalityFrames.Read(d)))];
    }
}
