namespace Imaging.WorkflowWorker.QualityAnalysis.Colour;

/// <summary>Which colour-difference formula ΔE means.</summary>
public enum DeltaEFormula
{
    /// <summary>CIE 1976: the Euclidean distance in L*a*b*.</summary>
    Cie76,

    /// <summary>CIEDE2000 (CIE 142-2001), with kL = kC = kH = 1.</summary>
    Ciede2000,
}

/// <summary>Colour differences between a measured and a reference colour.</summary>
public static class ColourDifference
{
    public static double DeltaE(Lab measured, Lab reference, DeltaEFormula formula) => formula switch
    {
        DeltaEFormula.Cie76 => DeltaE76(measured, reference),
        DeltaEFormula.Ciede2000 => DeltaE2000(measured, reference),
        _ => throw new ArgumentOutOfRangeException(nameof(formula)),
    };

    public static double DeltaE76(Lab x, Lab y) => Math.Sqrt(Sq(x.L - y.L) + Sq(x.A - y.A) + Sq(x.B - y.B));

    /// <summary>ΔE of a* and b* only: the white-balance error of a grey patch.</summary>
    public static double DeltaEab(Lab x, Lab y) => Math.Sqrt(Sq(x.A - y.A) + Sq(x.B - y.B));

    public static double DeltaL(Lab x, Lab y) => x.L - y.L;

    public static double DeltaC(Lab x, Lab y) => x.Chroma - y.Chroma;

    /// <summary>ΔH*ab, signed by the hue angle's direction: ΔE76² = ΔL² + ΔC² + ΔH².</summary>
    public static double DeltaH(Lab x, Lab y)
    {
        var squared = Sq(x.A - y.A) + Sq(x.B - y.B) - Sq(x.Chroma - y.Chroma);
        var magnitude = Math.Sqrt(Math.Max(0, squared));
        return x.A * y.B - x.B * y.A > 0 ? -magnitude : magnitude;
    }

    /// <summary>CIEDE2000, as CIE 142-2001 and Sharma, Wu and Dalal (2005) state it, including their notes on hue.</summary>
    public static double DeltaE2000(Lab x, Lab y)
    {
        var meanC = (x.Chroma + y.Chroma) / 2;
        var c7 = Math.Pow(meanC, 7);
        var g = 0.5 * (1 - Math.Sqrt(c7 / (c7 + Math.Pow(25, 7))));
        var (a1, a2) = ((1 + g) * x.A, (1 + g) * y.A);
        var (c1, c2) = (Math.Sqrt(a1 * a1 + x.B * x.B), Math.Sqrt(a2 * a2 + y.B * y.B));
        var h1 = HueDegrees(x.B, a1);
        var h2 = HueDegrees(y.B, a2);

        var dL = y.L - x.L;
        var dC = c2 - c1;
        double dh;
        if (c1 * c2 == 0)
        {
            dh = 0;
        }
        else
        {
            dh = h2 - h1;
            dh += dh > 180 ? -360 : dh < -180 ? 360 : 0;
        }

        var dH = 2 * Math.Sqrt(c1 * c2) * Math.Sin(Radians(dh / 2));

        var meanL = (x.L + y.L) / 2;
        var meanCp = (c1 + c2) / 2;
        double meanH;
        if (c1 * c2 == 0)
        {
            meanH = h1 + h2;
        }
        else if (Math.Abs(h1 - h2) <= 180)
        {
            meanH = (h1 + h2) / 2;
        }
        else
        {
            meanH = h1 + h2 < 360 ? (h1 + h2 + 360) / 2 : (h1 + h2 - 360) / 2;
        }

        var t = 1 - 0.17 * Math.Cos(Radians(meanH - 30)) + 0.24 * Math.Cos(Radians(2 * meanH)) + 0.32 * Math.Cos(Radians(3 * meanH + 6))
            - 0.20 * Math.Cos(Radians(4 * meanH - 63));
        var dTheta = 30 * Math.Exp(-Sq((meanH - 275) / 25));
        var cp7 = Math.Pow(meanCp, 7);
        var rc = 2 * Math.Sqrt(cp7 / (cp7 + Math.Pow(25, 7)));
        var sl = 1 + 0.015 * Sq(meanL - 50) / Math.Sqrt(20 + Sq(meanL - 50));
        var sc = 1 + 0.045 * meanCp;
        var sh = 1 + 0.015 * meanCp * t;
        var rt = -Math.Sin(Radians(2 * dTheta)) * rc;
        return Math.Sqrt(Sq(dL / sl) + Sq(dC / sc) + Sq(dH / sh) + rt * (dC / sc) * (dH / sh));
    }

    private static double HueDegrees(double b, double a)
    {
        if (a == 0 && b == 0)
        {
            return 0;
        }

        var h = Math.Atan2(b, a) * 180 / Math.PI;
        return h < 0 ? h + 360 : h;
    }

    private static double Radians(double degrees) => degrees * Math.PI / 180;

    private static double Sq(double v) => v * v;
}
