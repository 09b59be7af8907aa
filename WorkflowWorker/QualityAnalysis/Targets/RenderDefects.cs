namespace Imaging.WorkflowWorker.QualityAnalysis.Targets;

/// <summary>
/// Defects of known size that a render of a target can carry, so that tests (and demonstrations) can check the
/// measurements find exactly them. The defaults render a clean image.
/// </summary>
public sealed record RenderDefects
{
    public static readonly RenderDefects None = new();

    /// <summary>Gaussian blur in linear light, σ in pixels.</summary>
    public double BlurSigma { get; init; }

    /// <summary>RMS of Gaussian noise added to every pixel's L*.</summary>
    public double NoiseL { get; init; }

    /// <summary>A tone curve on lightness: L* becomes 100·(L*/100)^γ.</summary>
    public double ToneGamma { get; init; } = 1;

    /// <summary>A colour cast: added to a* of every colour.</summary>
    public double ShiftA { get; init; }

    /// <summary>A colour cast: added to b* of every colour.</summary>
    public double ShiftB { get; init; }

    /// <summary>Illumination falling across the image: linear-light gain from 1 − r/2 at the left edge to 1 + r/2 at the right.</summary>
    public double ShadingRamp { get; init; }

    /// <summary>Radial distortion about the image centre, r_d = r_u·(1 + k·r_u²) with r over the half diagonal; negative is barrel.</summary>
    public double RadialK { get; init; }

    /// <summary>The red channel moved this many pixels to the right (colour misregistration).</summary>
    public int RedShiftPixels { get; init; }

    /// <summary>One image column with a gain of its own (a line defect of a scanning sensor); null for none.</summary>
    public int? DefectColumn { get; init; }

    /// <summary>The linear-light gain of <see cref="DefectColumn"/>.</summary>
    public double DefectColumnGain { get; init; } = 1;

    /// <summary>Seeds the noise, so a render is reproducible.</summary>
    public int Seed { get; init; } = 1;
}
