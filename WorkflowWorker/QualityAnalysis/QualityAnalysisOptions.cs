using System.ComponentModel.DataAnnotations;
using Imaging.WorkflowWorker.Jobs;
using Imaging.WorkflowWorker.QualityAnalysis.Colour;

namespace Imaging.WorkflowWorker.QualityAnalysis;

/// <summary>
/// Image-quality sessions in the worker (section "QualityAnalysis"): the colour-difference formula, the size limit, the
/// queue, and the tolerances of each ISO 19264-1 level. <see cref="MetricCatalogue"/> says which defaults come from
/// published summaries of ISO 19264-1 and which were chosen here for want of a published value.
/// </summary>
public sealed class QualityAnalysisOptions : IJobQueueOptions
{
    public const string SectionName = "QualityAnalysis";

    /// <summary>ΔE of the colour patches and of the grey patches' Delta_E.</summary>
    public DeltaEFormula DeltaEFormula { get; set; } = DeltaEFormula.Ciede2000;

    /// <summary>Larger images fail their session before they are decoded.</summary>
    [Range(1_000_000, 2_000_000_000)]
    public long MaxPixels { get; set; } = 150_000_000;

    [Range(1, 16)]
    public int ConcurrentJobs { get; set; } = 1;

    [Range(1, 64)]
    public int PrefetchCount { get; set; } = 2;

    public TimeSpan[] RetryIntervals { get; set; } = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    public LevelTolerances A { get; set; } = LevelTolerances.DefaultA();

    public LevelTolerances B { get; set; } = LevelTolerances.DefaultB();

    public LevelTolerances C { get; set; } = LevelTolerances.DefaultC();

    public LevelTolerances Level(string level) => level switch
    {
        "A" => A,
        "B" => B,
        "C" => C,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "The levels are A, B and C."),
    };
}

/// <summary>The bounds one level holds each metric to. Units are those of <see cref="MetricCatalogue"/>.</summary>
public sealed class LevelTolerances
{
    public double LabL { get; set; }

    public double ToneDeltaE { get; set; }

    public double ToneDeltaC { get; set; }

    public double GainModulationMin { get; set; }

    public double GainModulationMax { get; set; }

    public double MeanDeltaE { get; set; }

    public double MaxDeltaE { get; set; }

    public double MeanDeltaL { get; set; }

    public double MaxDeltaL { get; set; }

    public double MeanDeltaC { get; set; }

    public double MaxDeltaC { get; set; }

    public double MeanDeltaH { get; set; }

    public double MaxDeltaH { get; set; }

    public double Mtf50 { get; set; }

    public double Mtf10 { get; set; }

    public double MaxModulation { get; set; }

    public double SamplingRateDeviation { get; set; }

    public double SamplingEfficiency { get; set; }

    public double Misregistration { get; set; }

    public double Noise { get; set; }

    public double ShadingGray { get; set; }

    public double ShadingWhite { get; set; }

    public double Distortion { get; set; }

    public double LineOutBlack { get; set; }

    public double LineOutGray { get; set; }

    public double LineOutWhite { get; set; }

    // ISO 19264-1 values as published summaries give them: ΔL*, gain modulation, white balance, mean and max ΔE,
    // noise and sampling efficiency. Every other bound is chosen here; MetricCatalogue marks each.
    public static LevelTolerances DefaultA() => new()
    {
        LabL = 2,
        ToneDeltaE = 4,
        ToneDeltaC = 3,
        GainModulationMin = 0.8,
        GainModulationMax = 1.1,
        MeanDeltaE = 4,
        MaxDeltaE = 10,
        MeanDeltaL = 2,
        MaxDeltaL = 4,
        MeanDeltaC = 3,
        MaxDeltaC = 6,
        MeanDeltaH = 3,
        MaxDeltaH = 6,
        Mtf50 = 0.25,
        Mtf10 = 0.425,
        MaxModulation = 1.1,
        SamplingRateDeviation = 1,
        SamplingEfficiency = 85,
        Misregistration = 0.33,
        Noise = 1.6,
        ShadingGray = 2,
        ShadingWhite = 2,
        Distortion = 1,
        LineOutBlack = 1.5,
        LineOutGray = 1.5,
        LineOutWhite = 1.5,
    };

    public static LevelTolerances DefaultB() => new()
    {
        LabL = 3,
        ToneDeltaE = 5,
        ToneDeltaC = 4,
        GainModulationMin = 0.7,
        GainModulationMax = 1.2,
        MeanDeltaE = 5,
        MaxDeltaE = 15,
        MeanDeltaL = 3,
        MaxDeltaL = 6,
        MeanDeltaC = 4,
        MaxDeltaC = 8,
        MeanDeltaH = 4,
        MaxDeltaH = 8,
        Mtf50 = 0.2,
        Mtf10 = 0.4,
        MaxModulation = 1.2,
        SamplingRateDeviation = 2,
        SamplingEfficiency = 80,
        Misregistration = 0.5,
        Noise = 2.0,
        ShadingGray = 3,
        ShadingWhite = 3,
        Distortion = 1.5,
        LineOutBlack = 2,
        LineOutGray = 2,
        LineOutWhite = 2,
    };

    public static LevelTolerances DefaultC() => new()
    {
        LabL = 4,
        ToneDeltaE = 6,
        ToneDeltaC = 5,
        GainModulationMin = 0.6,
        GainModulationMax = 1.3,
        MeanDeltaE = 5,
        MaxDeltaE = 15,
        MeanDeltaL = 4,
        MaxDeltaL = 8,
        MeanDeltaC = 5,
        MaxDeltaC = 10,
        MeanDeltaH = 5,
        MaxDeltaH = 10,
        Mtf50 = 0.15,
        Mtf10 = 0.35,
        MaxModulation = 1.3,
        SamplingRateDeviation = 3,
        SamplingEfficiency = 70,
        Misregistration = 0.8,
        Noise = 2.2,
        ShadingGray = 4,
        ShadingWhite = 4,
        Distortion = 2,
        LineOutBlack = 3,
        LineOutGray = 3,
        LineOutWhite = 3,
    };
}
