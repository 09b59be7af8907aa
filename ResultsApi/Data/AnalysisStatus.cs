namespace Imaging.ResultsApi.Data;

/// <summary>Where a series' analysis is: queued (by /compute), processing, done with results, or of a modality without a use case.</summary>
public enum AnalysisStatus
{
    QUEUED,
    PROCESSING,
    DONE,
    UNSUPPORTED,

    /// <summary>The analysis failed after its retries; /compute queues it again.</summary>
    FAILED,
}
