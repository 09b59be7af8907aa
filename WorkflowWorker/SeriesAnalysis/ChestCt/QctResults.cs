namespace Imaging.WorkflowWorker.SeriesAnalysis.ChestCt;

/// <summary>A nodule in the report: where it is (voxel and patient coordinates, mm), its size, its lung and its key image.</summary>
public sealed record QctNodule(int Number, string Lung, double LongestDiameterMm, double VolumeMl, double[] CentrePatientMm, int KeySliceIndex,
    string KeySopInstanceUid, string KeyImage);

/// <summary>The qCT findings as the "json" result: lungs, each lung, the nodules, the triage and the images made.</summary>
public sealed record QctReport(
    string Usecase,
    string SeriesInstanceUid,
    string StudyInstanceUid,
    string? AccessionNumber,
    int Attempt,
    DateTimeOffset AnalysedAt,
    int Slices,
    double[] VoxelSpacingMm,
    LungFigures Lungs,
    LungFigures RightLung,
    LungFigures LeftLung,
    IReadOnlyList<QctNodule> Nodules,
    string TriageStatus,
    string TriageReason,
    IReadOnlyList<string> Images,
    IReadOnlyList<string> KeyImages);

/// <summary>An image made for the results: its file name, its DICOM bytes, and its 8-bit pixels as rendered (for the PDF).</summary>
public sealed record QctImage(string Name, byte[] Dicom, byte[] Pixels, int Rows, int Columns);

/// <summary>
/// The images of a qCT analysis, each a Secondary Capture in the analysed study with the findings burned in, in a lung
/// window: "sc", slices evenly spaced over the lungs with each lung's outline and the nodules circled; "sc_key_slices",
/// each nodule's key slice (through its centre) with it circled. And the triage: Critical when a nodule candidate of
/// 8 mm or more is found (the size from which Fleischner's guidance asks for early follow-up), else Routine.
/// </summary>
public static class QctResults
{
    public const string Usecase = "qct";

    public const double CriticalNoduleMm = 8;

    public const int OverviewImages = 12;

    public static readonly PreviewWindow LungWindow = new(-600, 1500, "lung (-600/1500)");

    /// <summary>Burned-in marks: far above the window, so white.</summary>
    private const float Mark = 4000;

    public static (QctReport Report, List<QctImage> Overview, List<QctImage> KeySlices) Make(CtStack stack, Lungs lungs, ChestCtFindings findings,
        PatientStudy study, string seriesInstanceUid, int attempt, string uidName, DateTimeOffset now)
    {
        var volume = stack.Volume;
        var withLungs = Enumerable.Range(0, volume.Slices)
            .Where(s => Enumerable.Range(s * volume.SliceLength, volume.SliceLength).Any(p => lungs.RightRegion[p] || lungs.LeftRegion[p])).ToList();
        var chosen = Enumerable.Range(0, Math.Min(OverviewImages, withLungs.Count))
            .Select(i => withLungs[(int)Math.Round((i + 0.5) * withLungs.Count / Math.Min(OverviewImages, withLungs.Count) - 0.5)]).Distinct().ToList();

        var overviewSeries = new ImageSeries(DicomUid.FromName(uidName + ":qct-overview"), 9101, "OT", "qCT lungs and nodules (lung window)");
        var overview = chosen.Select((slice, i) => Image($"sc-{i + 1:D4}.dcm", study, overviewSeries, i + 1, Draw(volume, lungs, findings.Nodules, slice, outline: true),
            volume, now, $"{uidName}:qct-overview:{slice}")).ToList();
        var keySeries = new ImageSeries(DicomUid.FromName(uidName + ":qct-key"), 9102, "OT", "qCT nodule key slices (lung window)");
        var keys = findings.Nodules.Select((n, i) => Image($"key-{i + 1:D2}.dcm", study, keySeries, i + 1,
            Draw(volume, lungs, [n], n.KeySlice, outline: false), volume, now, $"{uidName}:qct-key:{n.Number}")).ToList();

        var nodules = findings.Nodules.Select((n, i) => new QctNodule(n.Number, n.Lung, Math.Round(n.LongestDiameterMm, 1), Math.Round(n.VolumeMl, 3),
            PatientPosition(stack, n), n.KeySlice, stack.Slices[n.KeySlice].GetString(DicomTag.SOPInstanceUID) ?? "", keys[i].Name)).ToList();
        var large = nodules.Where(n => n.LongestDiameterMm >= CriticalNoduleMm).ToList();
        var (triage, reason) = large.Count > 0
            ? ("Critical", $"{large.Count} nodule candidate(s) of {CriticalNoduleMm} mm or more (largest {large.Max(n => n.LongestDiameterMm):0.#} mm)")
            : ("Routine", nodules.Count == 0 ? "no nodule candidate" : $"nodule candidate(s) under {CriticalNoduleMm} mm only");
        var report = new QctReport(Usecase, seriesInstanceUid, study.StudyInstanceUid, study.AccessionNumber, attempt, now, volume.Slices,
            [volume.ColumnSpacing, volume.RowSpacing, volume.SliceSpacing], Rounded(findings.Lungs), Rounded(findings.Right), Rounded(findings.Left),
            nodules, triage, reason, [.. overview.Select(o => o.Name)], [.. keys.Select(k => k.Name)]);
        return (report, overview, keys);
    }

    private static LungFigures Rounded(LungFigures f) => new(Math.Round(f.VolumeMl, 1), Math.Round(f.Laa950Percent, 2), Math.Round(f.MeanDensityHu, 1));

    /// <summary>The nodule's centre in the patient's coordinates (mm): the key slice's position plus the in-plane offset along its directions.</summary>
    private static double[] PatientPosition(CtStack stack, NoduleFinding nodule)
    {
        var dataset = stack.Slices[nodule.KeySlice];
        var position = dataset.GetValues<double>(DicomTag.ImagePositionPatient);
        var o = dataset.GetValues<double>(DicomTag.ImageOrientationPatient);
        var (dc, dr) = (nodule.CentreColumn * stack.Volume.ColumnSpacing, nodule.CentreRow * stack.Volume.RowSpacing);
        return [.. Enumerable.Range(0, 3).Select(k => Math.Round(position[k] + o[k] * dc + o[3 + k] * dr, 1))];
    }

    private static float[] Draw(CtVolume volume, Lungs lungs, IReadOnlyList<NoduleFinding> nodules, int slice, bool outline)
    {
        var offset = slice * volume.SliceLength;
        var values = volume.Hounsfield.AsSpan(offset, volume.SliceLength).ToArray();
        if (outline)
        {
            for (var p = 0; p < values.Length; p++)
            {
                var (c, r) = (p % volume.Columns, p / volume.Columns);
                bool In(int q) => lungs.RightRegion[offset + q] || lungs.LeftRegion[offset + q];
                if (In(p) && ((c > 0 && !In(p - 1)) || (c < volume.Columns - 1 && !In(p + 1)) || (r > 0 && !In(p - volume.Columns))
                    || (r < volume.Rows - 1 && !In(p + volume.Columns))))
                {
                    values[p] = Mark;
                }
            }
        }

        foreach (var nodule in nodules.Where(n => Math.Abs(n.CentreSlice - slice) * volume.SliceSpacing <= n.LongestDiameterMm / 2 + volume.SliceSpacing / 2))
        {
            // A circle 3 mm outside the nodule, so the mark does not hide it.
            var radius = nodule.LongestDiameterMm / 2 + 3;
            for (var step = 0; step < 720; step++)
            {
                var angle = step * Math.PI / 360;
                var c = (int)Math.Round(nodule.CentreColumn + radius * Math.Cos(angle) / volume.ColumnSpacing);
                var r = (int)Math.Round(nodule.CentreRow + radius * Math.Sin(angle) / volume.RowSpacing);
                if (c >= 0 && c < volume.Columns && r >= 0 && r < volume.Rows)
                {
                    values[r * volume.Columns + c] = Mark;
                }
            }
        }

        return values;
    }

    private static QctImage Image(string name, PatientStudy study, ImageSeries series, int number, float[] values, CtVolume volume, DateTimeOffset now, string uidName)
    {
        var rendered = LungWindow.Render(values, monochrome1: false);
        var dataset = DicomImages.SecondaryCapture(study, series, number, ImagePixels.Gray8(rendered, volume.Rows, volume.Columns), now, DicomUid.FromName(uidName));
        using var buffer = new MemoryStream();
        DicomFile.Create(dataset).Save(buffer);
        return new QctImage(name, buffer.ToArray(), rendered, volume.Rows, volume.Columns);
    }
}
