namespace Imaging.WorkflowWorker.QualityAnalysis.Measurements;

/// <summary>Noise, shading and line outliers of a uniform area, from each pixel's L* on a pixel grid.</summary>
public static class UniformityMeasures
{
    /// <summary>RMS of L* about a fitted plane, so that shading across the area is not counted as noise.</summary>
    public static double RmsNoise(IReadOnlyList<(int X, int Y)> pixels, double[] lightness)
    {
        var (a, b, c) = FitPlane(pixels, lightness);
        var sum = 0.0;
        for (var i = 0; i < pixels.Count; i++)
        {
            var r = lightness[i] - (a + b * pixels[i].X + c * pixels[i].Y);
            sum += r * r;
        }

        return Math.Sqrt(sum / Math.Max(1, pixels.Count - 3));
    }

    /// <summary>The spread (largest minus smallest) of mean L* over a <paramref name="cells"/>×<paramref name="cells"/> grid of the area.</summary>
    public static double Shading(IReadOnlyList<(int X, int Y)> pixels, double[] lightness, int cells = 4)
    {
        var (x0, x1, y0, y1) = (pixels.Min(p => p.X), pixels.Max(p => p.X) + 1, pixels.Min(p => p.Y), pixels.Max(p => p.Y) + 1);
        var sums = new double[cells * cells];
        var counts = new int[cells * cells];
        for (var i = 0; i < pixels.Count; i++)
        {
            var cx = Math.Min(cells - 1, (pixels[i].X - x0) * cells / (x1 - x0));
            var cy = Math.Min(cells - 1, (pixels[i].Y - y0) * cells / (y1 - y0));
            sums[cy * cells + cx] += lightness[i];
            counts[cy * cells + cx]++;
        }

        var means = sums.Zip(counts).Where(p => p.Second > 0).Select(p => p.First / p.Second).ToList();
        return means.Max() - means.Min();
    }

    /// <summary>
    /// The largest departure of one row's or one column's mean L* from the straight-line trend of all rows (columns):
    /// a line that a sensor element or a stitching step made lighter or darker than its neighbours.
    /// </summary>
    public static double LineOutlier(IReadOnlyList<(int X, int Y)> pixels, double[] lightness)
    {
        static double Largest(IEnumerable<IGrouping<int, double>> lines)
        {
            var means = lines.Where(g => g.Count() >= 4).OrderBy(g => g.Key).Select(g => (Position: (double)g.Key, Mean: g.Average())).ToList();
            if (means.Count < 3)
            {
                return 0;
            }

            var (mx, my) = (means.Average(m => m.Position), means.Average(m => m.Mean));
            var slope = means.Sum(m => (m.Position - mx) * (m.Mean - my)) / means.Sum(m => (m.Position - mx) * (m.Position - mx));
            return means.Max(m => Math.Abs(m.Mean - (my + slope * (m.Position - mx))));
        }

        var indexed = pixels.Select((p, i) => (p, L: lightness[i])).ToList();
        return Math.Max(Largest(indexed.GroupBy(e => e.p.X, e => e.L)), Largest(indexed.GroupBy(e => e.p.Y, e => e.L)));
    }

    private static (double A, double B, double C) FitPlane(IReadOnlyList<(int X, int Y)> pixels, double[] values)
    {
        // Least squares of v = a + b·x + c·y, centred for conditioning.
        var (mx, my, mv) = (pixels.Average(p => p.X), pixels.Average(p => p.Y), values.Average());
        double sxx = 0, sxy = 0, syy = 0, sxv = 0, syv = 0;
        for (var i = 0; i < pixels.Count; i++)
        {
            var (x, y, v) = (pixels[i].X - mx, pixels[i].Y - my, values[i] - mv);
            (sxx, sxy, syy, sxv, syv) = (sxx + x * x, sxy + x * y, syy + y * y, sxv + x * v, syv + y * v);
        }

        var det = sxx * syy - sxy * sxy;
        var (b, c) = det == 0 ? (0, 0) : ((sxv * syy - syv * sxy) / det, (syv * sxx - sxv * sxy) / det);
        return (mv - b * mx - c * my, b, c);
    }
}
