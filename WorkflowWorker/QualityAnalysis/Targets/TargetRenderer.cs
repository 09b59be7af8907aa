using Imaging.Contracts.QualityTargets;
using Imaging.WorkflowWorker.QualityAnalysis.Colour;
using Imaging.WorkflowWorker.QualityAnalysis.Images;

namespace Imaging.WorkflowWorker.QualityAnalysis.Targets;

/// <summary>
/// Renders a target description as a 16-bit sRGB image at a sampling rate, optionally with defects of known size.
/// Each pixel that a boundary crosses is integrated over its area (8×8 sub-samples in linear light), so an edge has
/// the pixel aperture of a real sensor and nothing else: the tests know its SFR analytically.
/// </summary>
public static class TargetRenderer
{
    /// <summary>Sub-samples per pixel side where a boundary crosses the pixel.</summary>
    public const int SubSamples = 8;

    public static TargetImage Render(QualityTarget target, double pixelsPerInch, RenderDefects? defects = null, double marginMm = 4)
    {
        defects ??= RenderDefects.None;
        var scale = pixelsPerInch / 25.4;
        var width = (int)Math.Ceiling((target.WidthMm + 2 * marginMm) * scale);
        var height = (int)Math.Ceiling((target.HeightMm + 2 * marginMm) * scale);
        var scene = new Scene(target, defects);
        var (cx, cy, halfDiagonal) = (width / 2.0, height / 2.0, Math.Sqrt(width * width + height * height) / 2);

        int IdAt(double px, double py)
        {
            if (defects.RadialK != 0)
            {
                // Where an undistorted lens would have put this point: invert r_d = r_u (1 + k r_u²) by iteration.
                var (dx, dy) = (px - cx, py - cy);
                var rd = Math.Sqrt(dx * dx + dy * dy) / halfDiagonal;
                var ru = rd;
                for (var i = 0; i < 8; i++)
                {
                    ru = rd / (1 + defects.RadialK * ru * ru);
                }

                var factor = rd > 0 ? ru / rd : 1;
                (px, py) = (cx + dx * factor, cy + dy * factor);
            }

            return scene.IdAt(px / scale - marginMm, py / scale - marginMm);
        }

        var ids = new int[width * height];
        Parallel.For(0, height, y =>
        {
            for (var x = 0; x < width; x++)
            {
                ids[y * width + x] = IdAt(x + 0.5, y + 0.5);
            }
        });

        var linear = new double[width * height * 3];
        Parallel.For(0, height, y =>
        {
            for (var x = 0; x < width; x++)
            {
                var id = ids[y * width + x];
                var boundary = false;
                for (var ny = Math.Max(0, y - 1); ny <= Math.Min(height - 1, y + 1) && !boundary; ny++)
                {
                    for (var nx = Math.Max(0, x - 1); nx <= Math.Min(width - 1, x + 1); nx++)
                    {
                        boundary |= ids[ny * width + nx] != id;
                    }
                }

                var (r, g, b) = scene.Linear[id];
                if (boundary)
                {
                    (r, g, b) = (0, 0, 0);
                    for (var sy = 0; sy < SubSamples; sy++)
                    {
                        for (var sx = 0; sx < SubSamples; sx++)
                        {
                            var c = scene.Linear[IdAt(x + (sx + 0.5) / SubSamples, y + (sy + 0.5) / SubSamples)];
                            (r, g, b) = (r + c.R, g + c.G, b + c.B);
                        }
                    }

                    const double n = SubSamples * SubSamples;
                    (r, g, b) = (r / n, g / n, b / n);
                }

                var i = (y * width + x) * 3;
                (linear[i], linear[i + 1], linear[i + 2]) = (r, g, b);
            }
        });

        if (defects.BlurSigma > 0)
        {
            GaussianBlur(linear, width, height, defects.BlurSigma);
        }

        ApplyGains(linear, width, height, defects);
        return Encode(linear, width, height, pixelsPerInch, defects);
    }

    /// <summary>sRGB's encoding of linear light (IEC 61966-2-1), clipped to 0–1.</summary>
    public static double EncodeSrgb(double linear)
    {
        linear = Math.Clamp(linear, 0, 1);
        return linear <= 0.0031308 ? 12.92 * linear : 1.055 * Math.Pow(linear, 1 / 2.4) - 0.055;
    }

    /// <summary>The colour a target value is rendered with, after the tone curve and colour cast of the defects.</summary>
    public static Lab Rendered(double[] lab, RenderDefects defects) =>
        new(100 * Math.Pow(Math.Max(lab[0], 0) / 100, defects.ToneGamma), lab[1] + defects.ShiftA, lab[2] + defects.ShiftB);

    private static void ApplyGains(double[] linear, int width, int height, RenderDefects defects)
    {
        for (var x = 0; x < width; x++)
        {
            var gain = 1 + defects.ShadingRamp * ((x + 0.5) / width - 0.5);
            if (x == defects.DefectColumn)
            {
                gain *= defects.DefectColumnGain;
            }

            if (gain == 1)
            {
                continue;
            }

            for (var y = 0; y < height; y++)
            {
                var i = (y * width + x) * 3;
                (linear[i], linear[i + 1], linear[i + 2]) = (linear[i] * gain, linear[i + 1] * gain, linear[i + 2] * gain);
            }
        }
    }

    private static TargetImage Encode(double[] linear, int width, int height, double pixelsPerInch, RenderDefects defects)
    {
        var srgb = ColourSpace.Srgb;
        var samples = new ushort[width * height * 3];
        var random = new Random(defects.Seed);
        for (var p = 0; p < width * height; p++)
        {
            var i = p * 3;
            var source = defects.RedShiftPixels != 0 && p % width - defects.RedShiftPixels is var sx && sx >= 0 && sx < width ? i - defects.RedShiftPixels * 3 : i;
            var (r, g, b) = (EncodeSrgb(linear[source]), EncodeSrgb(linear[i + 1]), EncodeSrgb(linear[i + 2]));
            if (defects.NoiseL > 0)
            {
                var lab = srgb.ToLab(r, g, b);
                var (x, y, z) = (lab with { L = lab.L + defects.NoiseL * Gaussian(random) }).ToXyz();
                var (lr, lg, lb) = srgb.LinearFromXyz(x, y, z);
                (r, g, b) = (EncodeSrgb(lr), EncodeSrgb(lg), EncodeSrgb(lb));
            }

            (samples[i], samples[i + 1], samples[i + 2]) = (Quantise(r), Quantise(g), Quantise(b));
        }

        return new TargetImage(width, height, 3, samples, 16, pixelsPerInch, srgb);
    }

    private static ushort Quantise(double encoded) => (ushort)Math.Round(Math.Clamp(encoded, 0, 1) * 65535);

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>A separable Gaussian of σ pixels (kernel to 4σ, normalised), edges extended.</summary>
    private static void GaussianBlur(double[] data, int width, int height, double sigma)
    {
        var radius = (int)Math.Ceiling(4 * sigma);
        var kernel = new double[2 * radius + 1];
        for (var k = -radius; k <= radius; k++)
        {
            kernel[k + radius] = Math.Exp(-k * k / (2 * sigma * sigma));
        }

        var sum = kernel.Sum();
        for (var k = 0; k < kernel.Length; k++)
        {
            kernel[k] /= sum;
        }

        var copy = new double[data.Length];
        Pass(data, copy, width, height, kernel, radius, horizontal: true);
        Pass(copy, data, width, height, kernel, radius, horizontal: false);
    }

    private static void Pass(double[] from, double[] to, int width, int height, double[] kernel, int radius, bool horizontal)
    {
        Parallel.For(0, height, y =>
        {
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var sum = 0.0;
                    for (var k = -radius; k <= radius; k++)
                    {
                        var (sx, sy) = horizontal ? (Math.Clamp(x + k, 0, width - 1), y) : (x, Math.Clamp(y + k, 0, height - 1));
                        sum += kernel[k + radius] * from[(sy * width + sx) * 3 + c];
                    }

                    to[(y * width + x) * 3 + c] = sum;
                }
            }
        });
    }

    /// <summary>The target as areas of one colour each, numbered; linear sRGB per number.</summary>
    private sealed class Scene
    {
        private readonly QualityTarget _target;
        private readonly List<(TargetRect Region, int Id)> _patches = [];
        private readonly List<(SlantedEdge Edge, int Dark, int Light)> _edges = [];
        private readonly int _fiducial;

        public Scene(QualityTarget target, RenderDefects defects)
        {
            _target = target;
            var colours = new List<(double R, double G, double B)>();
            int Add(double[] lab)
            {
                var (x, y, z) = Rendered(lab, defects).ToXyz();
                var (r, g, b) = ColourSpace.Srgb.LinearFromXyz(x, y, z);
                colours.Add((Math.Clamp(r, 0, 1), Math.Clamp(g, 0, 1), Math.Clamp(b, 0, 1)));
                return colours.Count - 1;
            }

            Add(target.BackgroundLab);
            _fiducial = Add(target.Fiducials.Lab);
            foreach (var patch in target.GreyScale.Concat(target.ColourPatches))
            {
                _patches.Add((patch.Region, Add(patch.Lab)));
            }

            foreach (var field in target.UniformFields)
            {
                _patches.Add((field.Region, Add(field.Lab)));
            }

            foreach (var edge in target.SlantedEdges)
            {
                _edges.Add((edge, Add(edge.DarkLab), Add(edge.LightLab)));
            }

            Linear = [.. colours];
        }

        public (double R, double G, double B)[] Linear { get; }

        public int IdAt(double x, double y)
        {
            var fiducials = _target.Fiducials;
            var r2 = fiducials.RadiusMm * fiducials.RadiusMm;
            foreach (var c in fiducials.Centres)
            {
                if ((x - c.X) * (x - c.X) + (y - c.Y) * (y - c.Y) <= r2)
                {
                    return _fiducial;
                }
            }

            foreach (var (region, id) in _patches)
            {
                if (region.Contains(x, y))
                {
                    return id;
                }
            }

            foreach (var (edge, dark, light) in _edges)
            {
                if (edge.Region.Contains(x, y))
                {
                    return edge.SignedDistance(x, y) < 0 ? dark : light;
                }
            }

            return 0;
        }
    }
}
