namespace Imaging.WorkflowWorker.QualityAnalysis.Measurements;

/// <summary>The SFR of one edge in one plane, and where that plane sees the edge.</summary>
public sealed record EdgeResponse(double[] Frequencies, double[] Modulation, double Mtf50, double Mtf10, double MaxModulation, double EdgePosition, double AngleDegrees);

/// <summary>
/// ISO 12233 edge SFR (e-SFR) of a region holding one slanted edge, on linear data: the edge is located line by line
/// and a straight line fitted through the positions (see <see cref="LocateEdge"/>); every pixel is projected onto the edge normal into bins a quarter pixel wide (the four-times
/// oversampled ESF); the ESF's central difference, Hamming-windowed about its centroid, is the LSF, and its DFT,
/// normalised to zero frequency and corrected for the difference filter, is the SFR. Frequencies are in cycles per
/// pixel along the edge normal.
/// </summary>
public static class SlantedEdgeSfr
{
    private const int Oversampling = 4;

    /// <summary>
    /// Measures the edge in <paramref name="plane"/> (row by row, <paramref name="stride"/> wide) within the rectangle
    /// x0..x0+width, y0..y0+height. A vertical edge crosses every row; a horizontal edge is measured transposed.
    /// </summary>
    public static EdgeResponse Measure(float[] plane, int stride, int x0, int y0, int width, int height, bool vertical)
    {
        // Lines run across the edge: rows for a vertical edge, columns for a horizontal one.
        var (lines, length) = vertical ? (height, width) : (width, height);
        double At(int line, int along) => vertical ? plane[(y0 + line) * stride + x0 + along] : plane[(y0 + along) * stride + x0 + line];
        if (lines < 20 || length < 20)
        {
            throw new Targets.TargetNotFoundException($"The slanted-edge region is {width}×{height} pixels; at least 20×20 are needed.");
        }

        var (intercept, slope) = LocateEdge(At, lines, length);
        var cos = Math.Cos(Math.Atan(slope));
        // Bins reach as far from the edge as every line allows.
        var lowest = Math.Min(intercept, intercept + slope * (lines - 1));
        var highest = Math.Max(intercept, intercept + slope * (lines - 1));
        var reach = Math.Floor((Math.Min(lowest, length - 1 - highest) - 1) * cos * Oversampling) / Oversampling;
        if (reach < 4)
        {
            throw new Targets.TargetNotFoundException("A slanted edge lies too near the side of its region to be measured: the target is not where its fiducial marks put it.");
        }

        var bins = (int)(2 * reach * Oversampling);
        var sums = new double[bins];
        var counts = new int[bins];
        for (var line = 0; line < lines; line++)
        {
            var edge = intercept + slope * line;
            for (var i = 0; i < length; i++)
            {
                var bin = (int)Math.Floor(((i - edge) * cos + reach) * Oversampling);
                if (bin >= 0 && bin < bins)
                {
                    sums[bin] += At(line, i);
                    counts[bin]++;
                }
            }
        }

        var esf = FillGaps(sums, counts);
        var lsf = new double[bins];
        for (var n = 1; n < bins - 1; n++)
        {
            lsf[n] = (esf[n + 1] - esf[n - 1]) / 2;
        }

        // A dark-to-light or light-to-dark edge gives the same SFR.
        if (lsf.Sum() < 0)
        {
            for (var n = 0; n < bins; n++)
            {
                lsf[n] = -lsf[n];
            }
        }

        var centroid = lsf.Select((v, n) => v * n).Sum() / lsf.Sum();
        for (var n = 0; n < bins; n++)
        {
            lsf[n] *= Hamming(n - centroid, bins);
        }

        var (frequencies, modulation) = Dft(lsf);
        return new EdgeResponse(frequencies, modulation, Crossing(frequencies, modulation, 0.5), Crossing(frequencies, modulation, 0.1),
            modulation.Where((_, k) => frequencies[k] <= 0.5).Max(), (intercept + slope * (lines - 1) / 2.0) * cos, Math.Atan(slope) * 180 / Math.PI);
    }

    /// <summary>
    /// The edge as a straight line, position = intercept + slope·line. Each line's position is where it crosses the level
    /// midway between the region's dark and light ends (the line smoothed over five lines and three samples), taking the
    /// crossing nearest the expected place; the fit is repeated once about its own first estimate, without lines that
    /// lie more than three RMS off it. ISO 12233 takes the centroid of each line's derivative instead, which noise of a
    /// few L* throws off by pixels per line; for a symmetric line spread both find the same edge.
    /// </summary>
    private static (double Intercept, double Slope) LocateEdge(Func<int, int, double> at, int lines, int length)
    {
        var ends = Math.Max(2, length / 10);
        var (low, high) = (0.0, 0.0);
        for (var line = 0; line < lines; line++)
        {
            for (var i = 0; i < ends; i++)
            {
                (low, high) = (low + at(line, i), high + at(line, length - 1 - i));
            }
        }

        var middle = (low + high) / (2.0 * lines * ends);
        double Smoothed(int line, int i)
        {
            var (sum, n) = (0.0, 0);
            for (var l = Math.Max(0, line - 2); l <= Math.Min(lines - 1, line + 2); l++)
            {
                for (var j = Math.Max(0, i - 1); j <= Math.Min(length - 1, i + 1); j++)
                {
                    (sum, n) = (sum + at(l, j), n + 1);
                }
            }

            return sum / n - middle;
        }

        var positions = new double[lines];
        var expected = Enumerable.Repeat((length - 1) / 2.0, lines).ToArray();
        (double Intercept, double Slope) fit = default;
        for (var pass = 0; pass < 2; pass++)
        {
            for (var line = 0; line < lines; line++)
            {
                var best = double.NaN;
                var previous = Smoothed(line, 0);
                for (var i = 0; i < length - 1; i++)
                {
                    var next = Smoothed(line, i + 1);
                    if (previous == 0 || Math.Sign(previous) != Math.Sign(next))
                    {
                        var crossing = i + previous / (previous - next);
                        if (double.IsNaN(best) || Math.Abs(crossing - expected[line]) < Math.Abs(best - expected[line]))
                        {
                            best = crossing;
                        }
                    }

                    previous = next;
                }

                positions[line] = double.IsNaN(best) ? expected[line] : best;
            }

            fit = FitLine(positions, [.. Enumerable.Range(0, lines)]);
            var residuals = positions.Select((p, line) => p - (fit.Intercept + fit.Slope * line)).ToArray();
            var rms = Math.Sqrt(residuals.Average(r => r * r));
            var kept = Enumerable.Range(0, lines).Where(line => Math.Abs(residuals[line]) <= 3 * rms + 1e-9).ToArray();
            fit = FitLine([.. kept.Select(line => positions[line])], kept);
            expected = [.. Enumerable.Range(0, lines).Select(line => fit.Intercept + fit.Slope * line)];
        }

        return fit;
    }

    /// <summary>The SFR from 0 to 1 cycle per pixel, normalised at zero and divided by the central difference's own response.</summary>
    private static (double[] Frequencies, double[] Modulation) Dft(double[] lsf)
    {
        var n = lsf.Length;
        var count = Math.Min(n / 2, n / Oversampling) + 1;
        var frequencies = new double[count];
        var modulation = new double[count];
        double dc = lsf.Sum();
        for (var k = 0; k < count; k++)
        {
            var (re, im) = (0.0, 0.0);
            for (var j = 0; j < n; j++)
            {
                var phase = -2 * Math.PI * k * j / n;
                (re, im) = (re + lsf[j] * Math.Cos(phase), im + lsf[j] * Math.Sin(phase));
            }

            var f = frequencies[k] = (double)k * Oversampling / n;
            // The central difference over two bins a quarter pixel apart answers sin(2πf/4)/(2πf/4) to a derivative.
            var x = 2 * Math.PI * f / Oversampling;
            modulation[k] = Math.Sqrt(re * re + im * im) / Math.Abs(dc) / (k == 0 ? 1 : Math.Sin(x) / x);
        }

        return (frequencies, modulation);
    }

    /// <summary>The lowest frequency where the SFR falls to <paramref name="level"/>, interpolated; the last frequency when it never does.</summary>
    private static double Crossing(double[] frequencies, double[] modulation, double level)
    {
        for (var k = 1; k < modulation.Length; k++)
        {
            if (modulation[k] < level)
            {
                var t = (modulation[k - 1] - level) / (modulation[k - 1] - modulation[k]);
                return frequencies[k - 1] + t * (frequencies[k] - frequencies[k - 1]);
            }
        }

        return frequencies[^1];
    }

    private static double Hamming(double offset, int length) =>
        Math.Abs(offset) > length / 2.0 ? 0.08 : 0.54 + 0.46 * Math.Cos(2 * Math.PI * offset / length);

    private static (double Intercept, double Slope) FitLine(double[] values, int[] lines)
    {
        var n = values.Length;
        var (mx, my) = (lines.Average(), values.Average());
        var (sxy, sxx) = (0.0, 0.0);
        for (var i = 0; i < n; i++)
        {
            (sxy, sxx) = (sxy + (lines[i] - mx) * (values[i] - my), sxx + (lines[i] - mx) * (lines[i] - mx));
        }

        var slope = sxy / sxx;
        return (my - slope * mx, slope);
    }

    private static double[] FillGaps(double[] sums, int[] counts)
    {
        var esf = new double[sums.Length];
        for (var n = 0; n < esf.Length; n++)
        {
            if (counts[n] > 0)
            {
                esf[n] = sums[n] / counts[n];
                continue;
            }

            var (before, after) = (n - 1, n + 1);
            while (before >= 0 && counts[before] == 0)
            {
                before--;
            }

            while (after < esf.Length && counts[after] == 0)
            {
                after++;
            }

            esf[n] = (before, after) switch
            {
                ( >= 0, var a) when a < esf.Length => (sums[before] / counts[before] + sums[a] / counts[a]) / 2,
                ( >= 0, _) => sums[before] / counts[before],
                (_, var a) when a < esf.Length => sums[a] / counts[a],
                _ => 0,
            };
        }

        return esf;
    }
}
