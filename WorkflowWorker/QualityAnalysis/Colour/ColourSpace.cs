namespace Imaging.WorkflowWorker.QualityAnalysis.Colour;

/// <summary>
/// An image's colour space as far as measuring needs it: encoded channel values (0 to 1) to CIELAB under D50, through
/// the tone curves and the colorant matrix of the image's ICC profile, or of sRGB when the image has none.
/// </summary>
public sealed class ColourSpace
{
    private readonly ToneCurve[] _curves;
    private readonly double[] _matrix; // row-major 3×3: XYZ = M · linear RGB
    private readonly double[] _inverse; // linear RGB = M⁻¹ · XYZ, once per space rather than per pixel rendered

    private ColourSpace(string name, ToneCurve[] curves, double[] matrix) =>
        (Name, _curves, _matrix, _inverse) = (name, curves, matrix, matrix.Length == 9 ? Inverse(matrix) : []);

    public string Name { get; }

    public bool IsGrey => _curves.Length == 1;

    /// <summary>IEC 61966-2-1 sRGB in the ICC connection space: its primaries and D65 white, adapted to D50 with the Bradford transform.</summary>
    public static ColourSpace Srgb { get; } = new("sRGB IEC61966-2.1 (assumed: no profile embedded)", [ToneCurve.Srgb, ToneCurve.Srgb, ToneCurve.Srgb],
        SrgbD50Matrix());

    /// <summary>Grey with the sRGB tone curve, for grey images without a profile (ICC's usual default for grey).</summary>
    public static ColourSpace SrgbGrey { get; } = new("grey with the sRGB tone curve (assumed: no profile embedded)", [ToneCurve.Srgb], []);

    public static ColourSpace FromProfile(IccProfile profile)
    {
        var name = profile.Description is { Length: > 0 } d ? d : "embedded ICC profile";
        if (profile.ColourSpace == "GRAY")
        {
            return new ColourSpace(name, [profile.Curves[0]], []);
        }

        var (r, g, b) = (profile.Colorants[0], profile.Colorants[1], profile.Colorants[2]);
        return new ColourSpace(name, [.. profile.Curves], [r.X, g.X, b.X, r.Y, g.Y, b.Y, r.Z, g.Z, b.Z]);
    }

    /// <summary>CIELAB D50 of an encoded RGB value (each 0 to 1).</summary>
    public Lab ToLab(double red, double green, double blue)
    {
        if (IsGrey)
        {
            return ToLab(red);
        }

        var (r, g, b) = (_curves[0].ToLinear(red), _curves[1].ToLinear(green), _curves[2].ToLinear(blue));
        var m = _matrix;
        return Lab.FromXyz(m[0] * r + m[1] * g + m[2] * b, m[3] * r + m[4] * g + m[5] * b, m[6] * r + m[7] * g + m[8] * b);
    }

    /// <summary>CIELAB D50 of an encoded grey value (0 to 1): a neutral on the connection space's white.</summary>
    public Lab ToLab(double grey)
    {
        var y = _curves[0].ToLinear(grey);
        return Lab.FromXyz(Lab.D50.X * y, y, Lab.D50.Z * y);
    }

    /// <summary>How much each linear channel adds to luminance Y (the matrix's middle row); one weight of 1 for grey.</summary>
    public double[] LuminanceWeights => IsGrey ? [1.0] : [_matrix[3], _matrix[4], _matrix[5]];

    /// <summary>Linear RGB of an XYZ (D50) colour: the matrix inverted. For rendering targets; grey spaces answer Y in all three.</summary>
    public (double R, double G, double B) LinearFromXyz(double x, double y, double z)
    {
        if (IsGrey)
        {
            return (y, y, y);
        }

        var rgb = Multiply(_inverse, [x, y, z]);
        return (rgb[0], rgb[1], rgb[2]);
    }

    /// <summary>Linear light of one channel's encoded value: for the SFR, which is computed on linear data.</summary>
    public double ToLinear(int channel, double encoded) => _curves[Math.Min(channel, _curves.Length - 1)].ToLinear(encoded);

    private static double[] SrgbD50Matrix()
    {
        // Primaries and white (IEC 61966-2-1): RGB to XYZ under D65.
        double[][] xy = [[0.64, 0.33], [0.30, 0.60], [0.15, 0.06]];
        var white = Xyz(0.3127, 0.3290);
        var p = new double[9];
        for (var i = 0; i < 3; i++)
        {
            var (x, y, z) = Xyz(xy[i][0], xy[i][1]);
            (p[i], p[3 + i], p[6 + i]) = (x, y, z);
        }

        var s = Solve(p, [white.X, white.Y, white.Z]);
        var rgbToXyzD65 = new double[9];
        for (var row = 0; row < 3; row++)
        {
            for (var col = 0; col < 3; col++)
            {
                rgbToXyzD65[row * 3 + col] = p[row * 3 + col] * s[col];
            }
        }

        // Bradford chromatic adaptation D65 → D50 (ICC.1 Annex E).
        double[] bradford = [0.8951, 0.2664, -0.1614, -0.7502, 1.7135, 0.0367, 0.0389, -0.0685, 1.0296];
        var source = Multiply(bradford, [white.X, white.Y, white.Z]);
        var target = Multiply(bradford, [Lab.D50.X, Lab.D50.Y, Lab.D50.Z]);
        double[] scale = [target[0] / source[0], 0, 0, 0, target[1] / source[1], 0, 0, 0, target[2] / source[2]];
        var adapt = MatrixProduct(Inverse(bradford), MatrixProduct(scale, bradford));
        return MatrixProduct(adapt, rgbToXyzD65);
    }

    private static (double X, double Y, double Z) Xyz(double x, double y) => (x / y, 1, (1 - x - y) / y);

    private static double[] Multiply(double[] m, double[] v) =>
        [m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2], m[6] * v[0] + m[7] * v[1] + m[8] * v[2]];

    private static double[] MatrixProduct(double[] a, double[] b)
    {
        var c = new double[9];
        for (var i = 0; i < 3; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                c[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
            }
        }

        return c;
    }

    private static double[] Inverse(double[] m)
    {
        var det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
        return
        [
            (m[4] * m[8] - m[5] * m[7]) / det, (m[2] * m[7] - m[1] * m[8]) / det, (m[1] * m[5] - m[2] * m[4]) / det,
            (m[5] * m[6] - m[3] * m[8]) / det, (m[0] * m[8] - m[2] * m[6]) / det, (m[2] * m[3] - m[0] * m[5]) / det,
            (m[3] * m[7] - m[4] * m[6]) / det, (m[1] * m[6] - m[0] * m[7]) / det, (m[0] * m[4] - m[1] * m[3]) / det,
        ];
    }

    private static double[] Solve(double[] m, double[] v) => Multiply(Inverse(m), v);
}
