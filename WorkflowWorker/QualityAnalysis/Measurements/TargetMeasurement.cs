using Imaging.Contracts.QualityTargets;
using Imaging.WorkflowWorker.QualityAnalysis.Colour;
using Imaging.WorkflowWorker.QualityAnalysis.Images;
using Imaging.WorkflowWorker.QualityAnalysis.Targets;

namespace Imaging.WorkflowWorker.QualityAnalysis.Measurements;

public sealed record PatchMeasurement(string Name, Lab Reference, Lab Measured, double DeltaE);

public sealed record EdgeMeasurement(string Name, double Mtf50, double Mtf10, double MaxModulation, double AngleDegrees, double Misregistration);

/// <summary>Everything measured on one image of a target: a value per metric (null when it cannot be measured, with the reason), and the details behind them.</summary>
public sealed record MeasuredImage(
    IReadOnlyDictionary<string, double?> Values,
    IReadOnlyDictionary<string, string> Unmeasured,
    TargetGeometry Geometry,
    double FiducialRmsPixels,
    double? MeasuredPixelsPerInch,
    IReadOnlyList<PatchMeasurement> GreyScale,
    IReadOnlyList<PatchMeasurement> ColourPatches,
    IReadOnlyList<EdgeMeasurement> Edges);

/// <summary>Measures one image of a target: locate it by its fiducials, then every metric of <see cref="MetricCatalogue"/>.</summary>
public static class TargetMeasurement
{
    /// <summary>Patches and fields are read inside this fraction of their size from each side, away from blurred borders.</summary>
    private const double PatchInset = 0.2;

    public static MeasuredImage Measure(TargetImage image, QualityTarget target, DeltaEFormula formula)
    {
        var linear = new LinearImage(image);
        var located = TargetLocator.Locate(linear, target);
        var geometry = located.Geometry;
        var values = new Dictionary<string, double?>();
        var unmeasured = new Dictionary<string, string>();
        TargetRegion Region(TargetRect rect, double inset = PatchInset) => TargetRegion.Of(rect, inset, geometry, image.Width, image.Height);

        // Tone: the grey scale.
        var grey = target.GreyScale.Select(p => Patch(p, Region(p.Region).MeanLab(image), formula)).ToList();
        values["Lab_L"] = grey.Max(p => Math.Abs(p.Measured.L - p.Reference.L));
        values["Delta_E"] = grey.Max(p => p.DeltaE);
        values["Delta_C"] = grey.Max(p => ColourDifference.DeltaEab(p.Measured, p.Reference));
        var gains = grey.Zip(grey.Skip(1)).Select(p => (p.First.Measured.L - p.Second.Measured.L) / (p.First.Reference.L - p.Second.Reference.L)).ToList();
        values["Max_Gain_Modulation_L"] = gains.Max();
        values["Min_Gain_Modulation_L"] = gains.Min();

        // Colour: the colour patches.
        var colour = target.ColourPatches.Select(p => Patch(p, Region(p.Region).MeanLab(image), formula)).ToList();
        void Spread(string name, Func<PatchMeasurement, double> difference)
        {
            values[$"Mean_{name}"] = colour.Average(p => Math.Abs(difference(p)));
            values[$"Max_{name}"] = colour.Max(p => Math.Abs(difference(p)));
        }

        Spread("Delta_E", p => p.DeltaE);
        Spread("Delta_L", p => ColourDifference.DeltaL(p.Measured, p.Reference));
        Spread("Delta_C", p => ColourDifference.DeltaC(p.Measured, p.Reference));
        Spread("Delta_H", p => ColourDifference.DeltaH(p.Measured, p.Reference));

        // Resolution: the slanted edges, on luminance and on each channel.
        var edges = new List<EdgeMeasurement>();
        foreach (var edge in target.SlantedEdges)
        {
            var region = Region(edge.Region, 0.15);
            var (x0, y0, w, h) = (region.Left, region.Top, region.Right - region.Left + 1, region.Bottom - region.Top + 1);
            var luminance = SlantedEdgeSfr.Measure(linear.Luminance, image.Width, x0, y0, w, h, edge.IsVertical);
            var positions = linear.Planes.Select(plane => SlantedEdgeSfr.Measure(plane, image.Width, x0, y0, w, h, edge.IsVertical).EdgePosition).ToList();
            edges.Add(new EdgeMeasurement(edge.Name, luminance.Mtf50, luminance.Mtf10, luminance.MaxModulation, luminance.AngleDegrees,
                positions.Max() - positions.Min()));
        }

        values["MTF50"] = edges.Min(e => e.Mtf50);
        values["MTF10"] = edges.Min(e => e.Mtf10);
        values["Max_Modulation"] = edges.Max(e => e.MaxModulation);
        values["Min_Sampling_Efficiency"] = edges.Min(e => Math.Min(1, e.Mtf10 / 0.5)) * 100;
        values["Max_Misregistration"] = edges.Max(e => e.Misregistration);
        var measuredPpi = geometry.PixelsPerMm * 25.4;
        if (image.PixelsPerInch is { } stated)
        {
            values["Obt_Sampling_Rate"] = Math.Abs(measuredPpi / stated - 1) * 100;
        }
        else
        {
            values["Obt_Sampling_Rate"] = null;
            unmeasured["Obt_Sampling_Rate"] = "The file states no sampling rate to hold the measured one against.";
        }

        // Uniform fields: shading, lines and noise.
        var fields = target.UniformFields.ToDictionary(f => f.Name, f =>
        {
            var region = Region(f.Region, 0.1);
            return (region.Pixels, Lightness: region.Lightness(image));
        });
        values["Max_Delta_Gray"] = UniformityMeasures.Shading(fields["gray"].Pixels, fields["gray"].Lightness);
        values["Max_Delta_White"] = UniformityMeasures.Shading(fields["white"].Pixels, fields["white"].Lightness);
        values["Max_Out_Black"] = UniformityMeasures.LineOutlier(fields["black"].Pixels, fields["black"].Lightness);
        values["Max_Out_Gray"] = UniformityMeasures.LineOutlier(fields["gray"].Pixels, fields["gray"].Lightness);
        values["Max_Out_White"] = UniformityMeasures.LineOutlier(fields["white"].Pixels, fields["white"].Lightness);
        values["Visual_Noise"] = fields.Values.Max(f => UniformityMeasures.RmsNoise(f.Pixels, f.Lightness));

        // Distortion: the lens model fitted to the fiducials, at the farthest mark.
        var farthest = located.Marks.Max(m => geometry.UndistortedRadius(m.X, m.Y));
        values["Max_Distortion"] = Math.Abs(geometry.RadialK) * farthest * farthest * 100;

        return new MeasuredImage(values, unmeasured, geometry, located.RmsResidualPixels, measuredPpi, grey, colour, edges);
    }

    private static PatchMeasurement Patch(TargetPatch patch, Lab measured, DeltaEFormula formula)
    {
        var reference = new Lab(patch.Lab[0], patch.Lab[1], patch.Lab[2]);
        return new PatchMeasurement(patch.Name, reference, measured, ColourDifference.DeltaE(measured, reference, formula));
    }
}
