using Imaging.Contracts.QualityTargets;
using Imaging.WorkflowWorker.QualityAnalysis;
using Imaging.WorkflowWorker.QualityAnalysis.Colour;
using Imaging.WorkflowWorker.QualityAnalysis.Images;
using Imaging.WorkflowWorker.QualityAnalysis.Measurements;
using Imaging.WorkflowWorker.QualityAnalysis.Targets;

namespace WorkflowWorker.Tests.QualityAnalysis;

/// <summary>
/// The measurements against renders of the shipped target with defects of known size: each defect is found at its
/// analytic size, a clean render passes A, and each degraded render falls exactly to the level the default tolerances
/// put it at (the comments give the arithmetic).
/// </summary>
public sealed class TargetMeasurementTests
{
    private const double Ppi = 100;
    private static readonly QualityTarget Target = QualityTargetCatalogue.Find("basic-reflective")!;
    private static readonly QualityAnalysisOptions Options = new();

    [Theory]
    [InlineData(0.8)]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(2.0)]
    public void MTF50_and_MTF10_of_a_Gaussian_blur_are_within_1_percent_of_the_analytic_values(double sigma)
    {
        var measured = Measure(new RenderDefects { BlurSigma = sigma });

        var expected = AnalyticCrossing(sigma, 0.5);
        Assert.All(measured.Edges, edge => Assert.InRange(edge.Mtf50, expected * 0.99, expected * 1.01));
        Assert.InRange(measured.Values["MTF10"]!.Value, AnalyticCrossing(sigma, 0.1) * 0.99, AnalyticCrossing(sigma, 0.1) * 1.01);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    public void Added_L_noise_is_measured_within_5_percent(double rms)
    {
        var measured = Measure(new RenderDefects { NoiseL = rms, Seed = 7 });

        Assert.InRange(measured.Values["Visual_Noise"]!.Value, rms * 0.95, rms * 1.05);
    }

    [Fact]
    public void A_tone_curve_is_measured_as_its_lightness_error_and_gain_modulation()
    {
        var defects = new RenderDefects { ToneGamma = 1.1 };
        var measured = Measure(defects);

        var rendered = Target.GreyScale.Select(p => TargetRenderer.Rendered(p.Lab, defects).L).ToList();
        var reference = Target.GreyScale.Select(p => p.Lab[0]).ToList();
        Assert.Equal(rendered.Zip(reference).Max(p => Math.Abs(p.First - p.Second)), measured.Values["Lab_L"]!.Value, 0.2);
        var gains = Enumerable.Range(0, rendered.Count - 1).Select(i => (rendered[i] - rendered[i + 1]) / (reference[i] - reference[i + 1])).ToList();
        Assert.Equal(gains.Max(), measured.Values["Max_Gain_Modulation_L"]!.Value, 0.02);
        Assert.Equal(gains.Min(), measured.Values["Min_Gain_Modulation_L"]!.Value, 0.02);
    }

    [Fact]
    public void A_colour_shift_is_measured_as_its_delta_E_on_every_patch()
    {
        var defects = new RenderDefects { ShiftA = 2, ShiftB = -3 };
        var measured = Measure(defects);

        foreach (var (patch, found) in Target.ColourPatches.Zip(measured.ColourPatches))
        {
            var reference = new Lab(patch.Lab[0], patch.Lab[1], patch.Lab[2]);
            Assert.Equal(ColourDifference.DeltaE2000(TargetRenderer.Rendered(patch.Lab, defects), reference), found.DeltaE, 0.2);
        }

        // On the neutral steps the shift is the white-balance error itself: √(2² + 3²).
        Assert.Equal(Math.Sqrt(13), measured.Values["Delta_C"]!.Value, 0.2);
    }

    [Fact]
    public void A_shading_ramp_is_measured_across_the_white_and_gray_fields()
    {
        var defects = new RenderDefects { ShadingRamp = 0.1 };
        var image = TargetRenderer.Render(Target, Ppi, defects);
        var measured = TargetMeasurement.Measure(image, Target, DeltaEFormula.Ciede2000);

        foreach (var (name, metric) in new[] { ("white", "Max_Delta_White"), ("gray", "Max_Delta_Gray") })
        {
            // The fields are read 10% in from each side, on a 4×4 grid: the outer cells' centres are 1/8 of that in.
            var field = Target.UniformFields.Single(f => f.Name == name);
            var (left, right) = (field.Region.X + 0.1 * field.Region.Width, field.Region.X + 0.9 * field.Region.Width);
            double GainAt(double mm) => 1 + defects.ShadingRamp * (((mm + 4) * Ppi / 25.4) / image.Width - 0.5);
            var y = new Lab(field.Lab[0], 0, 0).ToXyz().Y;
            var expected = Lab.FromXyz(0, y * GainAt(right - (right - left) / 8), 0).L - Lab.FromXyz(0, y * GainAt(left + (right - left) / 8), 0).L;
            Assert.Equal(expected, measured.Values[metric]!.Value, 0.1);
        }
    }

    [Fact]
    public void A_barrel_distortion_is_found_from_the_fiducials()
    {
        var measured = Measure(new RenderDefects { RadialK = -0.025 });

        Assert.Equal(-0.025, measured.Geometry.RadialK, 0.0005);
        // Relative displacement k·r² at the farthest mark (the corners, r² = (0.5·w)² + (0.5·h)² over the half diagonal²).
        var (width, height) = ((Target.WidthMm + 8) * Ppi / 25.4, (Target.HeightMm + 8) * Ppi / 25.4);
        var corner = (Math.Pow(Target.WidthMm / 2 - 10, 2) + Math.Pow(Target.HeightMm / 2 - 10, 2)) * Math.Pow(Ppi / 25.4, 2) / ((width * width + height * height) / 4);
        Assert.Equal(2.5 * corner, measured.Values["Max_Distortion"]!.Value, 0.05);
        Assert.InRange(measured.Values["Obt_Sampling_Rate"]!.Value, 0, 0.1);
    }

    [Fact]
    public void A_one_pixel_channel_shift_is_measured_as_misregistration_across_the_edge()
    {
        var measured = Measure(new RenderDefects { RedShiftPixels = 1 });

        // Across the 5°-turned vertical edge a horizontal shift of one pixel is cos 5°; across the horizontal one, sin 5°.
        Assert.Equal(Math.Cos(5 * Math.PI / 180), measured.Edges.Single(e => e.Name == "vertical").Misregistration, 0.03);
        Assert.Equal(Math.Sin(5 * Math.PI / 180), measured.Edges.Single(e => e.Name == "horizontal").Misregistration, 0.03);
    }

    [Fact]
    public void A_line_defect_is_found_in_the_white_field()
    {
        // Column 520 lies in the white field (120–170 mm plus the 4 mm margin, at 3.94 px/mm: columns 488 to 685).
        var measured = Measure(new RenderDefects { DefectColumn = 520, DefectColumnGain = 1.05 });

        var y = new Lab(95, 0, 0).ToXyz().Y;
        Assert.Equal(Lab.FromXyz(0, y * 1.05, 0).L - 95, measured.Values["Max_Out_White"]!.Value, 0.1);
        Assert.InRange(measured.Values["Max_Out_Gray"]!.Value, 0, 0.01);
    }

    [Theory]
    [InlineData("tiff16")]
    [InlineData("tiff8")]
    [InlineData("jpeg")]
    public void A_clean_render_passes_A_in_every_metric(string format)
    {
        var rendered = TargetRenderer.Render(Target, Ppi);
        var file = format switch
        {
            "tiff16" => TargetImageWriter.Tiff(rendered),
            "tiff8" => TargetImageWriter.Tiff(rendered, bits: 8),
            _ => TargetImageWriter.Jpeg(rendered),
        };
        var image = TargetImageReader.Read(new MemoryStream(file), Options.MaxPixels);

        var evaluation = QualityEvaluation.Evaluate(TargetMeasurement.Measure(image, Target, Options.DeltaEFormula), image, Target, "before_target", Options);

        Assert.Equal("A", evaluation.OverallScore);
        Assert.All(evaluation.Measurements["metrics"]!.AsArray(), m => Assert.True(m!["passed"]!["A"]!.GetValue<bool>(), m.ToJsonString()));
    }

    public static TheoryData<string, RenderDefects, string> Degradations => new()
    {
        // RMS L* noise against 1.6 / 2.0 / 2.2.
        { "noise 1.8", new RenderDefects { NoiseL = 1.8, Seed = 3 }, "B" },
        { "noise 2.1", new RenderDefects { NoiseL = 2.1, Seed = 3 }, "C" },
        { "noise 2.6", new RenderDefects { NoiseL = 2.6, Seed = 3 }, "None" },
        // γ 1.1 on L*: the largest ΔL* is 3.6 (at L* 40), against 2 / 3 / 4; gain modulation stays within 0.87–1.09.
        { "tone curve", new RenderDefects { ToneGamma = 1.1 }, "C" },
        // A cast of 3.5 a*: white balance 3.5 against 3 / 4 / 5; grey ΔE2000 4.7 against 4 / 5 / 6.
        { "colour cast", new RenderDefects { ShiftA = 3.5 }, "B" },
        // Blur σ (pixels) → MTF50 and MTF10 (cycles/pixel, continuous Gaussian; the sampled kernel adds up to 1%): 0.6 → 0.281, 0.509; 0.775 → 0.227, 0.412 (efficiency 82%);
        // 0.87 → 0.204, 0.372 (74%); 1.0 → 0.180, 0.328 (66%): against 0.25 / 0.2 / 0.15, 0.425 / 0.4 / 0.35 and 85 / 80 / 70%.
        { "blur 0.6", new RenderDefects { BlurSigma = 0.6 }, "A" },
        { "blur 0.775", new RenderDefects { BlurSigma = 0.775 }, "B" },
        { "blur 0.87", new RenderDefects { BlurSigma = 0.87 }, "C" },
        { "blur 1.0", new RenderDefects { BlurSigma = 1.0 }, "None" },
        // Radial k: −0.012 → 0.9%, −0.025 → 1.9% at the corner marks, against 1 / 1.5 / 2%.
        { "distortion 0.9%", new RenderDefects { RadialK = -0.012 }, "A" },
        { "distortion 1.9%", new RenderDefects { RadialK = -0.025 }, "C" },
        // Misregistration cos 5° = 0.996 pixel against 0.33 / 0.5 / 0.8.
        { "channel shift", new RenderDefects { RedShiftPixels = 1 }, "None" },
        // A shading ramp darkens the grey steps at the scale's ends most: 0.1 → ΔL* 1.3 (A, 2), 0.2 → 2.7 (B, 3); the
        // fields, 50 mm wide near the middle, spread by under 1 ΔL* either way.
        { "shading 0.1", new RenderDefects { ShadingRamp = 0.1 }, "A" },
        { "shading 0.2", new RenderDefects { ShadingRamp = 0.2 }, "B" },
    };

    [Theory]
    [MemberData(nameof(Degradations))]
    public void A_degraded_render_falls_to_the_level_its_defect_allows(string name, RenderDefects defects, string level)
    {
        var image = TargetRenderer.Render(Target, Ppi, defects);

        var evaluation = QualityEvaluation.Evaluate(TargetMeasurement.Measure(image, Target, Options.DeltaEFormula), image, Target, "after_target", Options);

        Assert.True(level == evaluation.OverallScore, $"{name}: {evaluation.Measurements["metrics"]!.ToJsonString()}");
    }

    [Fact]
    public void An_image_without_the_target_fails_with_the_reason()
    {
        var blank = new TargetImage(800, 600, 3, Enumerable.Repeat((ushort)50000, 800 * 600 * 3).ToArray(), 16, Ppi, ColourSpace.Srgb);

        var error = Assert.Throws<TargetNotFoundException>(() => TargetMeasurement.Measure(blank, Target, DeltaEFormula.Ciede2000));

        Assert.Equal("The target 'basic-reflective' was not found in the image: 0 of its 9 fiducial marks were seen where its layout puts them (0 dark round mark(s) in the image).",
            error.Message);
    }

    private static MeasuredImage Measure(RenderDefects defects) =>
        TargetMeasurement.Measure(TargetRenderer.Render(Target, Ppi, defects), Target, DeltaEFormula.Ciede2000);

    /// <summary>
    /// Where the analytic SFR of the render falls to <paramref name="level"/>. The render blurs with a sampled Gaussian,
    /// whose response along each axis is its discrete-time Fourier transform, Σₖ exp(−2π²σ²(g+k)²) over Σₖ exp(−2π²σ²k²)
    /// (the continuous exp(−2π²σ²g²) plus its aliases, 8% at 0.4 cycles/pixel for σ 0.8); across a 5° edge g is
    /// f·cos 5° and f·sin 5°. Its 8×8 sub-sample aperture answers D(f·cos 5°)·D(f·sin 5°) with D(g) = sin(πg) / (8·sin(πg/8)).
    /// </summary>
    private static double AnalyticCrossing(double sigma, double level)
    {
        static double D(double g) => g == 0 ? 1 : Math.Sin(Math.PI * g) / (8 * Math.Sin(Math.PI * g / 8));
        double Gaussian(double g) => Enumerable.Range(-4, 9).Sum(k => Math.Exp(-2 * Math.PI * Math.PI * sigma * sigma * (g + k) * (g + k)))
            / Enumerable.Range(-4, 9).Sum(k => Math.Exp(-2 * Math.PI * Math.PI * sigma * sigma * k * k));
        var angle = 5 * Math.PI / 180;
        double Sfr(double f) => Gaussian(f * Math.Cos(angle)) * Gaussian(f * Math.Sin(angle)) * Math.Abs(D(f * Math.Cos(angle)) * D(f * Math.Sin(angle)));
        var (lo, hi) = (0.0, 1.0);
        for (var i = 0; i < 60; i++)
        {
            var mid = (lo + hi) / 2;
            (lo, hi) = Sfr(mid) > level ? (mid, hi) : (lo, mid);
        }

        return (lo + hi) / 2;
    }
}
