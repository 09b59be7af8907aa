using System.Numerics;

namespace Imaging.WorkflowWorker.QualityAnalysis.Targets;

/// <summary>
/// Where the target lies in an image: a similarity (scale, rotation, offset) from target millimetres to pixels, then
/// radial distortion about the image centre, r_d = r_u·(1 + k·r_u²) with r over the half diagonal. Pixel coordinates
/// are continuous, with pixel (i, j) covering [i, i+1) × [j, j+1).
/// </summary>
public sealed class TargetGeometry(Complex scale, Complex offset, double radialK, double width, double height)
{
    private readonly Complex _centre = new(width / 2, height / 2);
    private readonly double _halfDiagonal = Math.Sqrt(width * width + height * height) / 2;

    /// <summary>Pixels per millimetre at the image centre.</summary>
    public double PixelsPerMm => scale.Magnitude;

    /// <summary>The target's turn in the image, degrees.</summary>
    public double RotationDegrees => scale.Phase * 180 / Math.PI;

    public double RadialK => radialK;

    /// <summary>A point of the target (mm) to its pixel position.</summary>
    public (double X, double Y) ToImage(double xMm, double yMm)
    {
        var undistorted = scale * new Complex(xMm, yMm) + offset;
        var d = Distort(undistorted, radialK);
        return (d.Real, d.Imaginary);
    }

    /// <summary>A pixel position to the point of the target (mm) it shows.</summary>
    public (double X, double Y) ToTarget(double x, double y)
    {
        var q = (Undistort(new Complex(x, y), radialK) - offset) / scale;
        return (q.Real, q.Imaginary);
    }

    /// <summary>The radius over the half diagonal of an image position.</summary>
    public double NormalisedRadius(double x, double y) => (new Complex(x, y) - _centre).Magnitude / _halfDiagonal;

    /// <summary>The radius over the half diagonal that an image position would have without the lens's distortion.</summary>
    public double UndistortedRadius(double x, double y) => (Undistort(new Complex(x, y), radialK) - _centre).Magnitude / _halfDiagonal;

    internal Complex Distort(Complex undistorted, double k)
    {
        var v = undistorted - _centre;
        var r = v.Magnitude / _halfDiagonal;
        return _centre + v * (1 + k * r * r);
    }

    internal Complex Undistort(Complex distorted, double k)
    {
        var v = distorted - _centre;
        var rd = v.Magnitude / _halfDiagonal;
        var ru = rd;
        for (var i = 0; i < 12; i++)
        {
            ru = rd / (1 + k * ru * ru);
        }

        return rd > 0 ? _centre + v * (ru / rd) : distorted;
    }

    /// <summary>
    /// The geometry that best maps target points onto their observed pixel positions: for each k the similarity is a
    /// linear least-squares fit to the undistorted observations; k itself by golden-section search on the residual.
    /// </summary>
    public static (TargetGeometry Geometry, double RmsResidual) Fit(IReadOnlyList<(Complex Target, Complex Observed)> pairs, double width, double height)
    {
        var probe = new TargetGeometry(Complex.One, Complex.Zero, 0, width, height);
        (Complex Scale, Complex Offset, double Rms) Similarity(double k)
        {
            var observed = pairs.Select(p => probe.Undistort(p.Observed, k)).ToList();
            var (qMean, uMean) = (Mean(pairs.Select(p => p.Target)), Mean(observed));
            Complex numerator = 0;
            var denominator = 0.0;
            for (var i = 0; i < pairs.Count; i++)
            {
                var (q, u) = (pairs[i].Target - qMean, observed[i] - uMean);
                numerator += Complex.Conjugate(q) * u;
                denominator += q.Magnitude * q.Magnitude;
            }

            var s = numerator / denominator;
            var t = uMean - s * qMean;
            var sum = pairs.Select((p, i) => Complex.Abs(probe.Distort(s * p.Target + t, k) - p.Observed)).Sum(d => d * d);
            return (s, t, Math.Sqrt(sum / pairs.Count));
        }

        // Golden-section search of k; the residual is smooth and has one minimum over this range for real lenses.
        var (lo, hi) = (-0.3, 0.3);
        var golden = (Math.Sqrt(5) - 1) / 2;
        var (x1, x2) = (hi - golden * (hi - lo), lo + golden * (hi - lo));
        var (f1, f2) = (Similarity(x1).Rms, Similarity(x2).Rms);
        while (hi - lo > 1e-7)
        {
            if (f1 < f2)
            {
                (hi, x2, f2) = (x2, x1, f1);
                x1 = hi - golden * (hi - lo);
                f1 = Similarity(x1).Rms;
            }
            else
            {
                (lo, x1, f1) = (x1, x2, f2);
                x2 = lo + golden * (hi - lo);
                f2 = Similarity(x2).Rms;
            }
        }

        var k = (lo + hi) / 2;
        var best = Similarity(k);
        return (new TargetGeometry(best.Scale, best.Offset, k, width, height), best.Rms);
    }

    private static Complex Mean(IEnumerable<Complex> values)
    {
        Complex sum = 0;
        var n = 0;
        foreach (var v in values)
        {
            sum += v;
            n++;
        }

        return sum / n;
    }
}
