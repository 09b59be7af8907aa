namespace Imaging.ImagingImport.Tracking;

/// <summary>
/// One study of a cohort to import into one project: its state, attempts, when it may next be tried, and the last error.
/// Unique per (project, study): the same study asked for twice is imported once.
/// </summary>
public sealed class StudyImport
{
    public long Id { get; set; }

    public required string ProjectId { get; set; }

    /// <summary>SHA-256 of the cohort query's decoded JSON: which request a study was imported for.</summary>
    public required string CohortHash { get; set; }

    public required string StudyInstanceUid { get; set; }

    public string? PatientId { get; set; }

    public string? AccessionNumber { get; set; }

    /// <summary>The subject label in XNAT: a stable pseudonym of the patient within the project.</summary>
    public string? SubjectLabel { get; set; }

    public ImportStatus Status { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>While processing: the importer's hold, renewed while it works; past it, the importer is gone and the study is taken as failed.</summary>
    public DateTimeOffset? LeaseUntil { get; set; }

    /// <summary>When the current attempt took the study; processing longer than the window after it, the study is taken as failed.</summary>
    public DateTimeOffset? ClaimedAt { get; set; }

    /// <summary>
    /// Set when an XNAT caller queued the study: it is imported as that user, whose credentials one replica holds in memory
    /// until then (never here). Past it, the study fails rather than being imported under another account.
    /// </summary>
    public DateTimeOffset? CallerIdentityUntil { get; set; }

    /// <summary>The heartbeat of the replica holding the caller's credentials; past it, that replica is gone and so are they.</summary>
    public DateTimeOffset? CallerHeldUntil { get; set; }

    public DateTimeOffset DatetimeCreated { get; set; }

    public DateTimeOffset? DatetimeUpdated { get; set; }

    public DateTimeOffset? DatetimeImported { get; set; }
}
