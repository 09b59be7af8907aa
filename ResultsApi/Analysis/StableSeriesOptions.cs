using System.ComponentModel.DataAnnotations;

namespace Imaging.ResultsApi.Analysis;

/// <summary>When a series counts as complete and is queued for analysis by itself (section SeriesAnalysis).</summary>
public sealed class StableSeriesOptions
{
    public const string SectionName = "SeriesAnalysis";

    /// <summary>
    /// A series no instance has been added to for this long is queued without a /compute call; zero turns this off
    /// (and /results then answers 409 for a series never queued). An upload in progress keeps adding instances, so a
    /// series is only queued once it is complete; a scanner or router sends a series' instances seconds apart at most.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan QueueWhenStableFor { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often stable series are looked for.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromSeconds(2);
}
