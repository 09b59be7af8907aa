using Imaging.TestSupport;
using Imaging.WorkflowWorker.SeriesAnalysis.ChestCt;

namespace WorkflowWorker.Tests.ChestCt;

/// <summary>The qCT PDF read back by poppler's pdftotext: the patient, the figures, the nodules and the triage are there as text.</summary>
public sealed class QctPdfTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qct-pdf-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static QctReport Report { get; } = new("qct", "1.2.3", "1.2.4", "QCT-ACC-1", 1, new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero), 52,
        [2.5, 2.5, 5], new LungFigures(2414.5, 1.23, -850.8), new LungFigures(1337.8, 2.05, -851.8), new LungFigures(1076.7, 0, -849.5),
        [new QctNodule(1, "right", 16.6, 2.08, [-60, -35, 80], 16, "1.2.5", "key-01.dcm")], "Critical", "1 nodule candidate(s) of 8 mm or more (largest 16.6 mm)",
        ["sc-0001.dcm"], ["key-01.dcm"]);

    [Fact]
    public void The_report_names_the_patient_and_lists_the_figures_nodules_and_triage()
    {
        var pixels = Enumerable.Range(0, 64 * 48).Select(i => (byte)(i % 256)).ToArray();
        var pdf = QctPdf.Write(Report, new QctPatient("QCT-PHANTOM", "Phantom^Chest", "19600101", "O", "20261207"), [new QctPdf.KeyImage(pixels, 48, 64, "Nodule 1")]);
        var file = Path.Combine(_folder, "report.pdf");
        File.WriteAllBytes(file, pdf);

        // pdftotext's spacing follows the layout: compared with runs of white space as one space.
        var text = System.Text.RegularExpressions.Regex.Replace(ExternalTool.Run("pdftotext", "-layout", file, "-"), @"\s+", " ");
        var images = ExternalTool.Run("pdfimages", "-list", file).Split('\n').Skip(2).ToList();

        Assert.StartsWith("%PDF-", System.Text.Encoding.ASCII.GetString(pdf, 0, 5), StringComparison.Ordinal);
        Assert.Contains("Patient: Phantom Chest ID: QCT-PHANTOM Born: 1960-01-01 Sex: O", text, StringComparison.Ordinal);
        Assert.Contains("Study date: 2026-12-07 Accession: QCT-ACC-1", text, StringComparison.Ordinal);
        Assert.Contains("Both lungs 2414.5 1.23 -850.8", text, StringComparison.Ordinal);
        Assert.Contains("Left lung 1076.7 0.00 -849.5", text, StringComparison.Ordinal);
        Assert.Contains("1. right lung: longest diameter 16.6 mm, volume 2080 mm³", text, StringComparison.Ordinal);
        Assert.Contains("Triage: Critical (1 nodule candidate(s) of 8 mm or more (largest 16.6 mm))", text, StringComparison.Ordinal);
        Assert.Contains("Nodule 1", text, StringComparison.Ordinal);
        // The key image is embedded, at its size.
        Assert.Matches(@"^\s*1\s+0\s+image\s+64\s+48\s", Assert.Single(images));
    }
}
