namespace Imaging.ResultsApi.Data;

/// <summary>The analysis of one series of a source: its state, and once done the triage status, use case and result files.</summary>
public sealed class SeriesAnalysis
{
    public long Id { get; set; }

    public Guid SourceId { get; set; }

    public required string SeriesInstanceUid { get; set; }

    public AnalysisStatus Status { get; set; }

    public string? TriageStatus { get; set; }

    public string? Usecase { get; set; }

    /// <summary>Result files by kind (sc, sc_key_slices, json, …) as JSON: {"kind": ["file", …]}.</summary>
    public string Files { get; set; } = "{}";

    public string? Reason { get; set; }

    /// <summary>How many times the series was queued; the worker's reports name the attempt they belong to.</summary>
    public int Attempt { get; set; }

    /// <summary>How far the worker is while PROCESSING, 0–99 (the worker's reports); /results answers it in headers while it runs.</summary>
    public int Progress { get; set; }

    /// <summary>The stage the worker last reported, such as "read instance 3 of 8".</summary>
    public string? Stage { get; set; }

    /// <summary>How the analysis was queued: "compute" (the endpoint) or "stable" (no new instance for a while).</summary>
    public string QueuedBy { get; set; } = "compute";

    public DateTimeOffset DatetimeQueued { get; set; }

    public DateTimeOffset? DatetimeUpdated { get; set; }
}
