namespace Imaging.WorkflowWorker.QualityAnalysis.Colour;

/// <summary>A channel's tone reproduction curve: an encoded value (0 to 1) to linear light (0 to 1), as ICC's curv and para types state it.</summary>
public abstract class ToneCurve
{
    public abstract double ToLinear(double encoded);

    public static ToneCurve Identity { get; } = new Parametric(0, [1.0]);

    /// <summary>IEC 61966-2-1 sRGB: ICC parametric function type 4 with its published parameters.</summary>
    public static ToneCurve Srgb { get; } = new Parametric(4, [2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045, 0, 0]);

    /// <summary>ICC.1 10.18 parametricCurveType: function types 0 to 4 with parameters g, a, b, c, d, e, f.</summary>
    public sealed class Parametric : ToneCurve
    {
        private readonly int _type;
        private readonly double[] _p;

        public Parametric(int type, double[] parameters)
        {
            int[] counts = [1, 3, 4, 5, 7];
            if (type is < 0 or > 4 || parameters.Length < counts[type])
            {
                throw new IccProfileException($"A parametric curve of function type {type} with {parameters.Length} parameters is not one ICC defines.");
            }

            (_type, _p) = (type, parameters);
        }

        public override double ToLinear(double x)
        {
            var p = _p;
            var y = _type switch
            {
                0 => Math.Pow(x, p[0]),
                1 => x >= -p[2] / p[1] ? Power(p[1] * x + p[2], p[0]) : 0,
                2 => x >= -p[2] / p[1] ? Power(p[1] * x + p[2], p[0]) + p[3] : p[3],
                3 => x >= p[4] ? Power(p[1] * x + p[2], p[0]) : p[3] * x,
                _ => x >= p[4] ? Power(p[1] * x + p[2], p[0]) + p[5] : p[3] * x + p[6],
            };
            return Math.Clamp(y, 0, 1);
        }

        private static double Power(double v, double g) => v <= 0 ? 0 : Math.Pow(v, g);
    }

    /// <summary>ICC.1 10.6 curveType with n ≥ 2 entries: a table over 0 to 1, linearly interpolated.</summary>
    public sealed class Table(ushort[] entries) : ToneCurve
    {
        public override double ToLinear(double x)
        {
            var position = Math.Clamp(x, 0, 1) * (entries.Length - 1);
            var i = (int)Math.Floor(position);
            if (i >= entries.Length - 1)
            {
                return entries[^1] / 65535.0;
            }

            var t = position - i;
            return (entries[i] * (1 - t) + entries[i + 1] * t) / 65535.0;
        }
    }
}
