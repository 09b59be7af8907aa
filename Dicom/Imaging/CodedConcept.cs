namespace Imaging.Dicom;

/// <summary>
/// A coded concept (PS3.3 Table 8.8-1, the Code Sequence macro): value, coding scheme (SCT for SNOMED CT, DCM for
/// DICOM's own, UCUM for units) and the meaning people read.
/// </summary>
public sealed record CodedConcept(string Value, string Scheme, string Meaning)
{
    /// <summary>The concept as one item of a code sequence.</summary>
    public DicomDataset ToItem() => new DicomDataset()
        .AddOrUpdate(DicomTag.CodeValue, DicomVR.SH, Value)
        .AddOrUpdate(DicomTag.CodingSchemeDesignator, DicomVR.SH, Scheme)
        .AddOrUpdate(DicomTag.CodeMeaning, DicomVR.LO, Meaning);

    /// <summary>A code sequence holding this concept alone.</summary>
    public DicomSequence ToSequence(DicomTag tag) => new(tag, [ToItem()]);
}

/// <summary>A display colour as DICOM's CIELab triple (PS3.3 C.10.7.1.1): L* and a*, b* scaled to 0–65535, from sRGB.</summary>
public static class DisplayColour
{
    public static ushort[] FromRgb(byte red, byte green, byte blue)
    {
        static double Linear(byte c) => c / 255.0 <= 0.04045 ? c / 255.0 / 12.92 : Math.Pow((c / 255.0 + 0.055) / 1.055, 2.4);
        var (r, g, b) = (Linear(red), Linear(green), Linear(blue));
        // sRGB to CIE XYZ, relative to the D65 white point.
        var x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        var y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        var z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        static double F(double t) => t > Math.Pow(6.0 / 29, 3) ? Math.Cbrt(t) : t / (3 * Math.Pow(6.0 / 29, 2)) + 4.0 / 29;
        var l = 116 * F(y) - 16;
        var a = 500 * (F(x) - F(y));
        var bStar = 200 * (F(y) - F(z));
        static ushort Scale(double v, double min, double max) => (ushort)Math.Clamp(Math.Round((v - min) * 65535 / (max - min)), 0, 65535);
        return [Scale(l, 0, 100), Scale(a, -128, 127), Scale(bStar, -128, 127)];
    }
}
