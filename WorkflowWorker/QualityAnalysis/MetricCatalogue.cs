namespace Imaging.WorkflowWorker.QualityAnalysis;

/// <summary>Whether a measured value must stay at or below its bound, or reach at least it.</summary>
public enum BoundKind
{
    AtMost,
    AtLeast,
}

/// <summary>One metric of the seed's results: its category and name, unit, which tolerance bounds it, and where that bound comes from.</summary>
public sealed record MetricDefinition(string Category, string Name, string Unit, BoundKind Bound, Func<LevelTolerances, double> Tolerance, string Description,
    string Provenance);

/// <summary>The seed's categories and metric names, in the seed's order, with what each measures.</summary>
public static class MetricCatalogue
{
    public const string Iso = "ISO 19264-1 (published summaries)";
    public const string Chosen = "no published value known; chosen here";

    public static readonly string[] Categories = ["TonalReproduction", "Resolution", "Color", "Shading", "Distortion", "Lines", "Noise"];

    public static readonly IReadOnlyList<MetricDefinition> All =
    [
        new("TonalReproduction", "Lab_L", "ΔL*", BoundKind.AtMost, t => t.LabL, "largest |ΔL*| of the grey-scale steps", Iso),
        new("TonalReproduction", "Delta_E", "ΔE", BoundKind.AtMost, t => t.ToneDeltaE, "largest ΔE (the configured formula) of the grey-scale steps", Chosen),
        new("TonalReproduction", "Delta_C", "ΔE(a*b*)", BoundKind.AtMost, t => t.ToneDeltaC,
            "largest white-balance error ΔE(a*b*) of the grey-scale steps (their chroma, as their reference is neutral)", Iso),
        new("TonalReproduction", "Max_Gain_Modulation_L", "ratio", BoundKind.AtMost, t => t.GainModulationMax,
            "largest slope of measured over reference L* between neighbouring grey steps", Iso),
        new("TonalReproduction", "Min_Gain_Modulation_L", "ratio", BoundKind.AtLeast, t => t.GainModulationMin,
            "smallest slope of measured over reference L* between neighbouring grey steps", Iso),
        new("Resolution", "MTF50", "cycles/pixel", BoundKind.AtLeast, t => t.Mtf50, "lowest frequency of the edges' luminance e-SFR at 50%", Chosen),
        new("Resolution", "MTF10", "cycles/pixel", BoundKind.AtLeast, t => t.Mtf10,
            "lowest frequency of the edges' luminance e-SFR at 10% (the limiting resolution; bound derived from the sampling efficiency)", Iso),
        new("Resolution", "Max_Modulation", "ratio", BoundKind.AtMost, t => t.MaxModulation, "highest e-SFR up to Nyquist (over-sharpening)", Chosen),
        new("Resolution", "Obt_Sampling_Rate", "% deviation", BoundKind.AtMost, t => t.SamplingRateDeviation,
            "deviation of the sampling rate measured on the fiducials from the rate the file states", Chosen),
        new("Resolution", "Min_Sampling_Efficiency", "%", BoundKind.AtLeast, t => t.SamplingEfficiency,
            "lowest limiting resolution (MTF10) over Nyquist of the edges, at most 100%", Iso),
        new("Resolution", "Max_Misregistration", "pixels", BoundKind.AtMost, t => t.Misregistration,
            "largest distance between the colour channels' edge positions, across the edge", Chosen),
        new("Color", "Mean_Delta_E", "ΔE", BoundKind.AtMost, t => t.MeanDeltaE, "mean ΔE (the configured formula) of the colour patches", Iso),
        new("Color", "Max_Delta_E", "ΔE", BoundKind.AtMost, t => t.MaxDeltaE, "largest ΔE of the colour patches", Iso),
        new("Color", "Mean_Delta_L", "ΔL*", BoundKind.AtMost, t => t.MeanDeltaL, "mean |ΔL*| of the colour patches", Chosen),
        new("Color", "Max_Delta_L", "ΔL*", BoundKind.AtMost, t => t.MaxDeltaL, "largest |ΔL*| of the colour patches", Chosen),
        new("Color", "Mean_Delta_C", "ΔC*", BoundKind.AtMost, t => t.MeanDeltaC, "mean |ΔC*ab| of the colour patches", Chosen),
        new("Color", "Max_Delta_C", "ΔC*", BoundKind.AtMost, t => t.MaxDeltaC, "largest |ΔC*ab| of the colour patches", Chosen),
        new("Color", "Mean_Delta_H", "ΔH*", BoundKind.AtMost, t => t.MeanDeltaH, "mean |ΔH*ab| of the colour patches", Chosen),
        new("Color", "Max_Delta_H", "ΔH*", BoundKind.AtMost, t => t.MaxDeltaH, "largest |ΔH*ab| of the colour patches", Chosen),
        new("Shading", "Max_Delta_Gray", "ΔL*", BoundKind.AtMost, t => t.ShadingGray, "spread of mean L* over a 4×4 grid of the gray field", Chosen),
        new("Shading", "Max_Delta_White", "ΔL*", BoundKind.AtMost, t => t.ShadingWhite, "spread of mean L* over a 4×4 grid of the white field", Chosen),
        new("Distortion", "Max_Distortion", "%", BoundKind.AtMost, t => t.Distortion,
            "largest radial displacement of a fiducial mark relative to its distance from the image centre, from the fitted lens model", Chosen),
        new("Lines", "Max_Out_Black", "ΔL*", BoundKind.AtMost, t => t.LineOutBlack, "largest departure of a row's or column's mean L* from the trend, black field", Chosen),
        new("Lines", "Max_Out_Gray", "ΔL*", BoundKind.AtMost, t => t.LineOutGray, "the same on the gray field", Chosen),
        new("Lines", "Max_Out_White", "ΔL*", BoundKind.AtMost, t => t.LineOutWhite, "the same on the white field", Chosen),
        new("Noise", "Visual_Noise", "L* RMS", BoundKind.AtMost, t => t.Noise,
            "RMS L* noise (not ISO 15739 visual noise): the largest standard deviation of L* about a fitted plane over the uniform fields", Iso),
    ];
}
