using System.Globalization;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Imaging.WorkflowWorker.SeriesAnalysis.ChestCt;

/// <summary>
/// The qCT report as a readable PDF (the "pdf" result), made with PDFsharp: the patient and study, the lung figures,
/// the nodule candidates, the triage, and the nodules' key images. Text is set in DejaVu Sans from the machine's
/// Debian fonts (fonts-dejavu-core), so nothing is fetched and the PDF embeds what it uses.
/// </summary>
public static class QctPdf
{
    public const string FontFolder = "/usr/share/fonts/truetype/dejavu";

    private static readonly Lock FontsSet = new();

    /// <summary>A key image for the PDF: 8-bit grey pixels (the lung window) and what it shows.</summary>
    public sealed record KeyImage(byte[] Pixels, int Rows, int Columns, string Caption);

    public static byte[] Write(QctReport report, QctPatient patient, IReadOnlyList<KeyImage> keyImages)
    {
        UseDejaVu();
        var document = new PdfDocument();
        document.Info.Title = "Quantitative chest CT report";
        document.Info.Creator = "Imaging Results Platform";
        var page = document.AddPage();
        page.Width = XUnit.FromMillimeter(210);
        page.Height = XUnit.FromMillimeter(297);
        var graphics = XGraphics.FromPdfPage(page);
        var (title, heading, body) = (new XFont("DejaVu Sans", 16, XFontStyleEx.Bold), new XFont("DejaVu Sans", 11, XFontStyleEx.Bold),
            new XFont("DejaVu Sans", 9.5, XFontStyleEx.Regular));
        double y = 50;
        void Line(string text, XFont font, double gap = 14)
        {
            graphics.DrawString(text, font, XBrushes.Black, new XPoint(50, y));
            y += gap;
        }

        Line("Quantitative chest CT report", title, 26);
        Line($"Patient: {patient.Name.Replace('^', ' ').Trim()}   ID: {patient.Id}   Born: {Date(patient.BirthDate)}   Sex: {patient.Sex}", body);
        Line($"Study date: {Date(patient.StudyDate)}   Accession: {report.AccessionNumber}", body);
        Line($"Study: {report.StudyInstanceUid}", body);
        Line($"Series: {report.SeriesInstanceUid} ({report.Slices} slices, {Mm(report.VoxelSpacingMm)})", body);
        Line($"Analysed: {report.AnalysedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC, attempt {report.Attempt}", body, 22);

        Line("Lungs", heading, 16);
        Line("                     volume (mL)    %LAA-950    mean density (HU)", body);
        foreach (var (name, figures) in new[] { ("Both lungs", report.Lungs), ("Right lung", report.RightLung), ("Left lung", report.LeftLung) })
        {
            Line($"{name,-20} {figures.VolumeMl,12:0.0} {figures.Laa950Percent,11:0.00} {figures.MeanDensityHu,16:0.0}", body);
        }

        y += 8;
        Line($"Nodule candidates: {report.Nodules.Count}", heading, 16);
        foreach (var n in report.Nodules)
        {
            Line($"{n.Number}. {n.Lung} lung: longest diameter {n.LongestDiameterMm:0.0} mm, volume {n.VolumeMl * 1000:0} mm³, centre "
                + $"({string.Join(", ", n.CentrePatientMm.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)))}) mm, key image {n.KeyImage}", body);
        }

        y += 8;
        Line($"Triage: {report.TriageStatus} ({report.TriageReason})", heading, 22);

        // The key images, three to a row.
        double x = 50;
        foreach (var image in keyImages.Take(6))
        {
            using var bitmap = new MemoryStream(Bitmap(image));
            var picture = XImage.FromStream(bitmap);
            const double side = 160;
            graphics.DrawImage(picture, x, y, side, side * image.Rows / image.Columns);
            graphics.DrawString(image.Caption, body, XBrushes.Black, new XPoint(x, y + side * image.Rows / image.Columns + 12));
            x += side + 12;
            if (x + side > 560)
            {
                (x, y) = (50, y + side + 28);
            }
        }

        graphics.DrawString("Measured by the platform's classic image analysis (docs/series-analysis.md, qCT); not a diagnosis.", body, XBrushes.Gray,
            new XPoint(50, 800));
        graphics.Dispose();
        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }

    private static string Date(string? dicomDate) =>
        dicomDate is { Length: 8 } d ? $"{d[..4]}-{d[4..6]}-{d[6..]}" : dicomDate ?? "";

    private static string Mm(double[] spacing) =>
        string.Join(" × ", spacing.Select(v => v.ToString("0.##", CultureInfo.InvariantCulture))) + " mm";

    /// <summary>A 24-bit BMP of grey pixels (rows bottom-up, each padded to four bytes), which PDFsharp takes as an image.</summary>
    private static byte[] Bitmap(KeyImage image)
    {
        var stride = (image.Columns * 3 + 3) & ~3;
        var bytes = new byte[54 + stride * image.Rows];
        void Int(int at, int value) => BitConverter.TryWriteBytes(bytes.AsSpan(at, 4), value);
        bytes[0] = (byte)'B';
        bytes[1] = (byte)'M';
        Int(2, bytes.Length);
        Int(10, 54);
        Int(14, 40);
        Int(18, image.Columns);
        Int(22, image.Rows);
        bytes[26] = 1;
        bytes[28] = 24;
        Int(34, stride * image.Rows);
        for (var r = 0; r < image.Rows; r++)
        {
            var line = 54 + (image.Rows - 1 - r) * stride;
            for (var c = 0; c < image.Columns; c++)
            {
                var grey = image.Pixels[r * image.Columns + c];
                bytes[line + c * 3] = bytes[line + c * 3 + 1] = bytes[line + c * 3 + 2] = grey;
            }
        }

        return bytes;
    }

    private static void UseDejaVu()
    {
        lock (FontsSet)
        {
            GlobalFontSettings.FontResolver ??= new DejaVuFonts();
        }
    }

    /// <summary>Every face asked for is DejaVu Sans, regular or bold, from the Debian font folder.</summary>
    private sealed class DejaVuFonts : IFontResolver
    {
        public FontResolverInfo ResolveTypeface(string familyName, bool bold, bool italic) => new(bold ? "DejaVuSans-Bold" : "DejaVuSans");

        public byte[] GetFont(string faceName) => File.Exists(Path.Combine(FontFolder, faceName + ".ttf"))
            ? File.ReadAllBytes(Path.Combine(FontFolder, faceName + ".ttf"))
            : throw new FileNotFoundException($"The font {faceName} is missing: install Debian's fonts-dejavu-core.", Path.Combine(FontFolder, faceName + ".ttf"));
    }
}
