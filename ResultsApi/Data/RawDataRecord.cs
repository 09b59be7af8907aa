namespace Imaging.ResultsApi.Data;

/// <summary>
/// A raw-data record of a task: the k-space uploaded for it, and the reconstruction that fills the task's DICOM
/// result. Raw data lives under {storage}/records/{id}/.
/// </summary>
public sealed class RawDataRecord
{
    public int Id { get; set; }

    public Guid TaskId { get; set; }

    public ScanTask? Task { get; set; }

    /// <summary>The task's result the reconstruction writes into; made with the first upload.</summary>
    public Guid? ResultId { get; set; }

    public string? FileName { get; set; }

    public long? FileSize { get; set; }

    public string? Sha256 { get; set; }

    /// <summary>The k-space shape as numpy gave it, e.g. "8,256,256".</summary>
    public string? Shape { get; set; }

    public string? Dtype { get; set; }

    public RecordStatus Status { get; set; }

    public string? StatusMessage { get; set; }

    /// <summary>Counts uploads, so a job for an older upload is recognised and skipped.</summary>
    public int Generation { get; set; }

    public DateTimeOffset DatetimeCreated { get; set; }

    public DateTimeOffset? DatetimeUpdated { get; set; }
}
