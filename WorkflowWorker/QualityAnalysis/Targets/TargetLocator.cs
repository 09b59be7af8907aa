using System.Numerics;
using Imaging.Contracts.QualityTargets;
using Imaging.WorkflowWorker.QualityAnalysis.Measurements;

namespace Imaging.WorkflowWorker.QualityAnalysis.Targets;

/// <summary>The target could not be found in an image: too few of its fiducial marks were seen where the layout puts them.</summary>
public sealed class TargetNotFoundException(string message) : Exception(message);

/// <summary>
/// Finds a target in an image by its fiducial marks: dark round blobs (a connected component whose area nearly fills
/// the circle through its farthest pixel), centred to sub-pixel by their darkness, then matched to the target's layout
/// by the similarity that two of them fix. The target is expected upright, turned at most <see cref="MaxTurnDegrees"/>.
/// </summary>
public static class TargetLocator
{
    public const double MaxTurnDegrees = 20;

    public sealed record Located(TargetGeometry Geometry, IReadOnlyList<(TargetPoint Mark, double X, double Y)> Marks, double RmsResidualPixels);

    public static Located Locate(LinearImage image, QualityTarget target)
    {
        var blobs = DarkRoundBlobs(image);
        var marks = target.Fiducials.Centres;
        var layout = marks.Select(m => new Complex(m.X, m.Y)).ToArray();
        // The two marks farthest apart fix the similarity best.
        var (a, b) = (0, 1);
        for (var i = 0; i < layout.Length; i++)
        {
            for (var j = i + 1; j < layout.Length; j++)
            {
                if (Complex.Abs(layout[i] - layout[j]) > Complex.Abs(layout[a] - layout[b]))
                {
                    (a, b) = (i, j);
                }
            }
        }

        var best = Array.Empty<int>();
        foreach (var ca in blobs)
        {
            foreach (var cb in blobs)
            {
                if (ca == cb)
                {
                    continue;
                }

                var scale = (cb.Centre - ca.Centre) / (layout[b] - layout[a]);
                if (Math.Abs(scale.Phase) > MaxTurnDegrees * Math.PI / 180 || scale.Magnitude * target.Fiducials.RadiusMm < 2)
                {
                    continue;
                }

                // Lenses move the corners by a few percent; a mark is matched within that much of the layout's span.
                var tolerance = Math.Max(2 * scale.Magnitude * target.Fiducials.RadiusMm, 0.05 * Complex.Abs(cb.Centre - ca.Centre));
                var matched = layout.Select(point =>
                {
                    var expected = ca.Centre + scale * (point - layout[a]);
                    var nearest = blobs.MinBy(blob => Complex.Abs(blob.Centre - expected))!;
                    return Complex.Abs(nearest.Centre - expected) <= tolerance ? blobs.IndexOf(nearest) : -1;
                }).ToArray();
                if (matched.Count(m => m >= 0) > best.Count(m => m >= 0))
                {
                    best = matched;
                }
            }
        }

        var found = best.Count(m => m >= 0);
        if (found < marks.Count || best.Distinct().Count() < marks.Count)
        {
            throw new TargetNotFoundException(
                $"The target '{target.Id}' was not found in the image: {found} of its {marks.Count} fiducial marks were seen where its layout puts them ({blobs.Count} dark round mark(s) in the image).");
        }

        var pairs = best.Select((blob, i) => (layout[i], blobs[blob].Centre)).ToList();
        var (geometry, rms) = TargetGeometry.Fit(pairs, image.Width, image.Height);
        return new Located(geometry, [.. best.Select((blob, i) => (marks[i], blobs[blob].Centre.Real, blobs[blob].Centre.Imaginary))], rms);
    }

    private sealed record Blob(Complex Centre, double Radius);

    /// <summary>Dark, round, connected areas, each centred by the darkness of the pixels around it.</summary>
    private static List<Blob> DarkRoundBlobs(LinearImage image)
    {
        var (width, height, y) = (image.Width, image.Height, image.Luminance);
        var sorted = y.Where((_, i) => i % 7 == 0).Order().ToArray();
        var light = sorted[(int)(sorted.Length * 0.95)];
        var threshold = 0.3f * light;
        var seen = new bool[y.Length];
        var blobs = new List<Blob>();
        var stack = new Stack<int>();
        var pixels = new List<int>();
        for (var start = 0; start < y.Length; start++)
        {
            if (seen[start] || y[start] >= threshold)
            {
                continue;
            }

            pixels.Clear();
            stack.Push(start);
            seen[start] = true;
            var touchesBorder = false;
            while (stack.Count > 0 && pixels.Count <= 200_000)
            {
                var p = stack.Pop();
                pixels.Add(p);
                var (px, py) = (p % width, p / width);
                touchesBorder |= px == 0 || py == 0 || px == width - 1 || py == height - 1;
                foreach (var n in (ReadOnlySpan<int>)[px > 0 ? p - 1 : -1, px < width - 1 ? p + 1 : -1, py > 0 ? p - width : -1, py < height - 1 ? p + width : -1])
                {
                    if (n >= 0 && !seen[n] && y[n] < threshold)
                    {
                        seen[n] = true;
                        stack.Push(n);
                    }
                }
            }

            stack.Clear();
            if (touchesBorder || pixels.Count < 12 || pixels.Count > 200_000)
            {
                continue;
            }

            var (sx, sy) = (0.0, 0.0);
            foreach (var p in pixels)
            {
                (sx, sy) = (sx + p % width + 0.5, sy + p / width + 0.5);
            }

            var centre = new Complex(sx / pixels.Count, sy / pixels.Count);
            var reach = pixels.Max(p => Complex.Abs(new Complex(p % width + 0.5, p / width + 0.5) - centre)) + 0.5;
            if (pixels.Count / (Math.PI * reach * reach) < 0.75)
            {
                continue;
            }

            blobs.Add(new Blob(Refine(image, centre, reach), reach));
            if (blobs.Count > 500)
            {
                break;
            }
        }

        return blobs;
    }

    /// <summary>The centre weighted by darkness below the surrounding ring's level, within 1.5 radii: sub-pixel, and blur-proof.</summary>
    private static Complex Refine(LinearImage image, Complex centre, double radius)
    {
        var (width, height, y) = (image.Width, image.Height, image.Luminance);
        var window = 1.5 * radius + 2;
        var (x0, x1) = (Math.Max(0, (int)(centre.Real - window - 3)), Math.Min(width - 1, (int)(centre.Real + window + 3)));
        var (y0, y1) = (Math.Max(0, (int)(centre.Imaginary - window - 3)), Math.Min(height - 1, (int)(centre.Imaginary + window + 3)));
        var ring = new List<float>();
        for (var py = y0; py <= y1; py++)
        {
            for (var px = x0; px <= x1; px++)
            {
                var d = Complex.Abs(new Complex(px + 0.5, py + 0.5) - centre);
                if (d > window && d <= window + 3)
                {
                    ring.Add(y[py * width + px]);
                }
            }
        }

        if (ring.Count == 0)
        {
            return centre;
        }

        ring.Sort();
        var level = ring[ring.Count / 2];
        var (sx, sy, sw) = (0.0, 0.0, 0.0);
        for (var py = y0; py <= y1; py++)
        {
            for (var px = x0; px <= x1; px++)
            {
                if (Complex.Abs(new Complex(px + 0.5, py + 0.5) - centre) <= window)
                {
                    var w = Math.Max(0, level - y[py * width + px]);
                    (sx, sy, sw) = (sx + w * (px + 0.5), sy + w * (py + 0.5), sw + w);
                }
            }
        }

        return sw > 0 ? new Complex(sx / sw, sy / sw) : centre;
    }
}
