namespace Imaging.WorkflowWorker.SeriesAnalysis;

/// <summary>
/// The VOI window a preview is rendered with (PS3.3 C.11.2.1.2.1, the LINEAR function, output 0–255), and where it
/// came from: the series' own Window Center/Width, the CT soft-tissue default, or the 1st–99th percentile of the values.
/// </summary>
public sealed record PreviewWindow(double Center, double Width, string Source)
{
    public static readonly PreviewWindow CtSoftTissue = new(40, 400, "ct soft tissue (40/400)");

    /// <summary>The 1st to 99th percentile of a sample of the series' values (linear interpolation, as numpy's default).</summary>
    public static PreviewWindow FromPercentiles(List<float> sample)
    {
        if (sample.Count == 0)
        {
            return new PreviewWindow(0.5, 1, "percentiles of an empty series");
        }

        sample.Sort();
        var low = Percentile(sample, 1);
        var high = Percentile(sample, 99);
        return new PreviewWindow((low + high) / 2, Math.Max(high - low, 1), "1st to 99th percentile");
    }

    public static double Percentile(List<float> sorted, double percent)
    {
        var position = (sorted.Count - 1) * percent / 100;
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Count - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    /// <summary>8-bit display values; padding (NaN) is black; MONOCHROME1 is inverted, since the preview is MONOCHROME2.</summary>
    public byte[] Render(ReadOnlySpan<float> values, bool monochrome1)
    {
        var width = Math.Max(Width, 2);
        var lower = Center - 0.5 - (width - 1) / 2;
        var upper = Center - 0.5 + (width - 1) / 2;
        var pixels = new byte[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var x = values[i];
            double y = !float.IsFinite(x) || x <= lower ? 0 : x > upper ? 255 : ((x - (Center - 0.5)) / (width - 1) + 0.5) * 255;
            var level = (byte)Math.Round(Math.Clamp(y, 0, 255), MidpointRounding.AwayFromZero);
            pixels[i] = monochrome1 && float.IsFinite(x) ? (byte)(255 - level) : level;
        }

        return pixels;
    }
}
