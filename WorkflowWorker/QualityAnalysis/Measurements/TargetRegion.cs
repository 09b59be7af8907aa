using Imaging.Contracts.QualityTargets;
using Imaging.WorkflowWorker.QualityAnalysis.Colour;
using Imaging.WorkflowWorker.QualityAnalysis.Images;
using Imaging.WorkflowWorker.QualityAnalysis.Targets;

namespace Imaging.WorkflowWorker.QualityAnalysis.Measurements;

/// <summary>
/// The pixels that show the inner part of a region of the target: those whose centre maps, through the geometry,
/// inside the region shrunk by a fraction of its size on every side (away from its blurred borders).
/// </summary>
public sealed class TargetRegion
{
    private TargetRegion(List<(int X, int Y)> pixels, int x0, int y0, int x1, int y1) => (Pixels, Left, Top, Right, Bottom) = (pixels, x0, y0, x1, y1);

    public IReadOnlyList<(int X, int Y)> Pixels { get; }

    /// <summary>The bounding box of <see cref="Pixels"/>, inclusive.</summary>
    public int Left { get; }

    public int Top { get; }

    public int Right { get; }

    public int Bottom { get; }

    public static TargetRegion Of(TargetRect rect, double inset, TargetGeometry geometry, int width, int height)
    {
        var inner = new TargetRect(rect.X + rect.Width * inset, rect.Y + rect.Height * inset, rect.Width * (1 - 2 * inset), rect.Height * (1 - 2 * inset));
        var corners = new[] { (inner.X, inner.Y), (inner.X + inner.Width, inner.Y), (inner.X, inner.Y + inner.Height), (inner.X + inner.Width, inner.Y + inner.Height) }
            .Select(c => geometry.ToImage(c.Item1, c.Item2)).ToList();
        var x0 = Math.Max(0, (int)Math.Floor(corners.Min(c => c.X)) - 1);
        var x1 = Math.Min(width - 1, (int)Math.Ceiling(corners.Max(c => c.X)) + 1);
        var y0 = Math.Max(0, (int)Math.Floor(corners.Min(c => c.Y)) - 1);
        var y1 = Math.Min(height - 1, (int)Math.Ceiling(corners.Max(c => c.Y)) + 1);
        var pixels = new List<(int, int)>();
        for (var y = y0; y <= y1; y++)
        {
            for (var x = x0; x <= x1; x++)
            {
                var (tx, ty) = geometry.ToTarget(x + 0.5, y + 0.5);
                if (inner.Contains(tx, ty))
                {
                    pixels.Add((x, y));
                }
            }
        }

        if (pixels.Count < 16)
        {
            throw new TargetNotFoundException($"The region at {rect.X}, {rect.Y} mm covers {pixels.Count} pixel(s) of the image; the image is too small or the target lies outside it.");
        }

        return new TargetRegion(pixels, pixels.Min(p => p.Item1), pixels.Min(p => p.Item2), pixels.Max(p => p.Item1), pixels.Max(p => p.Item2));
    }

    /// <summary>The region's colour: its encoded values averaged per channel, then converted (so noise does not bias it).</summary>
    public Lab MeanLab(TargetImage image)
    {
        var sums = new double[image.Channels];
        foreach (var (x, y) in Pixels)
        {
            for (var c = 0; c < image.Channels; c++)
            {
                sums[c] += image.Encoded(x, y, c);
            }
        }

        var n = Pixels.Count;
        return image.Channels == 1 ? image.Colour.ToLab(sums[0] / n) : image.Colour.ToLab(sums[0] / n, sums[1] / n, sums[2] / n);
    }

    /// <summary>Each pixel's L*.</summary>
    public double[] Lightness(TargetImage image) => [.. Pixels.Select(p => image.LabAt(p.X, p.Y).L)];
}
