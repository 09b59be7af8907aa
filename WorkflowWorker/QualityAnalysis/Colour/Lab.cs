namespace Imaging.WorkflowWorker.QualityAnalysis.Colour;

/// <summary>A colour in CIELAB (CIE 1976 L*a*b*), relative to the ICC's D50 white.</summary>
public readonly record struct Lab(double L, double A, double B)
{
    /// <summary>C*ab.</summary>
    public double Chroma => Math.Sqrt(A * A + B * B);

    /// <summary>h_ab in degrees, 0 to 360.</summary>
    public double Hue => Math.Atan2(B, A) * 180 / Math.PI is var h && h < 0 ? h + 360 : h;

    /// <summary>The ICC profile connection space white, D50: X 0.9642, Y 1, Z 0.8249 (ICC.1, 7.2.16).</summary>
    public static readonly (double X, double Y, double Z) D50 = (0.9642, 1.0, 0.8249);

    /// <summary>CIELAB of an XYZ colour (Y of white = 1) against D50 (CIE 15, with ε = 216/24389 and κ = 24389/27).</summary>
    public static Lab FromXyz(double x, double y, double z)
    {
        var (fx, fy, fz) = (F(x / D50.X), F(y / D50.Y), F(z / D50.Z));
        return new Lab(116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz));
    }

    /// <summary>XYZ (Y of white = 1) of this colour against D50: the inverse of <see cref="FromXyz"/>.</summary>
    public (double X, double Y, double Z) ToXyz()
    {
        var fy = (L + 16) / 116;
        var (fx, fz) = (fy + A / 500, fy - B / 200);
        return (D50.X * FInverse(fx), D50.Y * FInverse(fy), D50.Z * FInverse(fz));
    }

    private static double FInverse(double f) => f * f * f > 216.0 / 24389 ? f * f * f : (116 * f - 16) * 27 / 24389;

    private static double F(double t) => t > 216.0 / 24389 ? Math.Cbrt(t) : (24389.0 / 27 * t + 16) / 116;
}
