using System.ComponentModel.DataAnnotations;
using Imaging.WorkflowWorker.Jobs;

namespace Imaging.WorkflowWorker.SeriesAnalysis;

/// <summary>Series analyses (section "SeriesAnalysis"): the queue, progress reports, previews and the quality rules.</summary>
public sealed class SeriesAnalysisOptions : JobQueueOptions
{
    public const string SectionName = "SeriesAnalysis";

    /// <summary>Least time between two progress reports within a stage of an analysis (reading the instances, storing the images).</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>At most this many preview images (sc); a longer series is sampled evenly, first and last slice included.</summary>
    [Range(1, 10_000)]
    public int MaxPreviews { get; set; } = 64;

    /// <summary>The quality rules; a failed rule makes the triage status Critical.</summary>
    [Required]
    public QualityRules Rules { get; set; } = new();
}

/// <summary>The configured quality rules. Limits are inclusive: a value exactly at its limit passes.</summary>
public sealed class QualityRules
{
    /// <summary>MR: the lowest acceptable series SNR (mean over slices, NEMA two-region estimate).</summary>
    [Range(0, 1e6)]
    public double MinMrSnr { get; set; } = 10;

    /// <summary>CT: the highest acceptable noise, the standard deviation in HU of the centre region (mean over slices).</summary>
    [Range(0, 1e6)]
    public double MaxCtNoiseHu { get; set; } = 25;

    /// <summary>Fewer slices than this is an incomplete series.</summary>
    [Range(1, 100_000)]
    public int MinSlices { get; set; } = 1;
}
