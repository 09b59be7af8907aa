namespace Imaging.WorkflowWorker.SeriesAnalysis;

/// <summary>The machine-readable report of a series analysis (the "json" result file), written in snake_case.</summary>
public sealed record SeriesReport(
    string Usecase,
    string SeriesInstanceUid,
    string StudyInstanceUid,
    string Modality,
    string? AccessionNumber,
    int Attempt,
    DateTimeOffset AnalysedAt,
    SeriesFigures Series,
    IReadOnlyList<SliceStatistics> Slices,
    PreviewWindow Window,
    IReadOnlyList<ReportFile> Previews,
    IReadOnlyList<ReportKeySlice> KeySlices,
    IReadOnlyList<RuleOutcome> Rules,
    string TriageStatus);

public sealed record ReportFile(string File, int SliceIndex);

public sealed record ReportKeySlice(string File, int SliceIndex, IReadOnlyList<string> Reasons);
