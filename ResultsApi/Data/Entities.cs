namespace Imaging.ResultsApi.Data;

/// <summary>The state of an exam, workflow or task, with the source platform's values.</summary>
public enum ItemStatus
{
    NEW,
    UPDATED,
    STARTED,
    FINISHED,
    ERROR,
    INPROGRESS,
}

/// <summary>What a result holds; the wire value of the numpy type is "NUMPY".</summary>
public enum ResultType
{
    DICOM,
    MRD,
    NUMPY,
    CALIBRATION,
    NOT_SET,
}

/// <summary>The roles a user can have.</summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Medical = "medical";
    public const string Scientist = "scientist";
    public const string Engineer = "engineer";

    /// <summary>A machine account (the reconstruction worker): acts on any source's records, logs in like a user.</summary>
    public const string Service = "service";

    public static readonly string[] All = [Admin, Medical, Scientist, Engineer, Service];
}

/// <summary>A tenant: a hospital, a lab, a group. Every exam belongs to one; a user sees only its own source's data.</summary>
public sealed class Source
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public DateTimeOffset DatetimeCreated { get; set; }
}

public sealed class User
{
    public required string Username { get; set; }

    public Guid SourceId { get; set; }

    public Source? Source { get; set; }

    public required string PasswordHash { get; set; }

    public required string Role { get; set; }

    public DateTimeOffset DatetimeCreated { get; set; }
}

/// <summary>An opaque access token, kept only as its SHA-256; idle and absolute expiry.</summary>
public sealed class AccessToken
{
    public required byte[] TokenHash { get; set; }

    public required string Username { get; set; }

    public User? User { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastUsedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>An examination of a patient: the top of the scan hierarchy (exam → workflow → task → result).</summary>
public sealed class Exam
{
    public Guid Id { get; set; }

    public Guid SourceId { get; set; }

    public string? PatientId { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public string? Indication { get; set; }

    public string? Comment { get; set; }

    public ItemStatus Status { get; set; }

    public bool IsTemplate { get; set; }

    public string? Creator { get; set; }

    public DateTimeOffset DatetimeCreated { get; set; }

    public DateTimeOffset? DatetimeUpdated { get; set; }

    public List<Workflow> Workflows { get; set; } = [];
}

public sealed class Workflow
{
    public Guid Id { get; set; }

    public Guid ExamId { get; set; }

    public Exam? Exam { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public string? Comment { get; set; }

    public ItemStatus Status { get; set; }

    public bool IsTemplate { get; set; }

    public DateTimeOffset DatetimeCreated { get; set; }

    public DateTimeOffset? DatetimeUpdated { get; set; }

    public List<ScanTask> Tasks { get; set; } = [];
}

/// <summary>A task of a workflow (an acquisition, a reconstruction, an analysis); "Task" in the source platform's API.</summary>
public sealed class ScanTask
{
    public Guid Id { get; set; }

    public Guid WorkflowId { get; set; }

    public Workflow? Workflow { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public string? TaskType { get; set; }

    public string? Destination { get; set; }

    public ItemStatus Status { get; set; }

    public int Progress { get; set; }

    public string? StatusMessage { get; set; }

    public bool IsTemplate { get; set; }

    public DateTimeOffset DatetimeCreated { get; set; }

    public DateTimeOffset? DatetimeUpdated { get; set; }

    public List<Result> Results { get; set; } = [];
}

/// <summary>The output of a task: files under {storage}/{workflow_id}/{task_id}/{result_id}/ and metadata.</summary>
public sealed class Result
{
    public Guid Id { get; set; }

    public Guid TaskId { get; set; }

    public ScanTask? Task { get; set; }

    public ResultType Type { get; set; } = ResultType.NOT_SET;

    public string Directory { get; set; } = "";

    public List<string> Files { get; set; } = [];

    /// <summary>Free-form JSON; file checksums live under "files".</summary>
    public string Meta { get; set; } = "{}";

    public DateTimeOffset DatetimeCreated { get; set; }
}

/// <summary>A workflow definition of the workflow manager: a named, versioned JSON definition, kept per source.</summary>
public sealed class WorkflowDefinition
{
    public int Id { get; set; }

    public Guid SourceId { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public required string Version { get; set; }

    public string? Author { get; set; }

    /// <summary>The definition itself, as JSON.</summary>
    public string Definition { get; set; } = "{}";

    public DateTimeOffset DatetimeCreated { get; set; }

    public DateTimeOffset? DatetimeUpdated { get; set; }
}

/// <summary>Where a record's raw data is on its way to an image.</summary>
public enum RecordStatus
{
    /// <summary>Created; no raw data yet.</summary>
    NEW,

    /// <summary>Raw data stored and a RecoJob queued (in the outbox or on the bus).</summary>
    QUEUED,

    INPROGRESS,
    FINISHED,
    ERROR,
}

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

/// <summary>A message written in the same transaction as the change it announces, published by the dispatcher.</summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }

    /// <summary>The contract's full type name, e.g. Imaging.Contracts.RecoJob.</summary>
    public required string MessageType { get; set; }

    public required string Body { get; set; }

    /// <summary>The W3C traceparent of the request that wrote it, so the trace continues through the bus.</summary>
    public string? TraceParent { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }
}

/// <summary>
/// A stored DICOM instance of a source, indexed by what searches and retrieval use. The file is kept as received,
/// under {storage}/dicom/{source}/{study}/{series}/{sop}.dcm.
/// </summary>
public sealed class DicomInstance
{
    public long Id { get; set; }

    public Guid SourceId { get; set; }

    public required string StudyInstanceUid { get; set; }

    public required string SeriesInstanceUid { get; set; }

    public required string SopInstanceUid { get; set; }

    public required string SopClassUid { get; set; }

    public string? PatientId { get; set; }

    public string? PatientName { get; set; }

    public string? Modality { get; set; }

    public string? AccessionNumber { get; set; }

    /// <summary>DICOM DA, yyyymmdd, as in the file.</summary>
    public string? StudyDate { get; set; }

    public string? StudyDescription { get; set; }

    public string? SeriesDescription { get; set; }

    public int? SeriesNumber { get; set; }

    public int? InstanceNumber { get; set; }

    public int NumberOfFrames { get; set; } = 1;

    public required string TransferSyntaxUid { get; set; }

    public long Size { get; set; }

    public required string Sha256 { get; set; }

    public DateTimeOffset DatetimeCreated { get; set; }

    public DateTimeOffset? DatetimeUpdated { get; set; }
}

/// <summary>An API token of a source for the series results API (Authorization: Token …), kept only as its SHA-256.</summary>
public sealed class SourceApiToken
{
    public Guid Id { get; set; }

    public Guid SourceId { get; set; }

    public required byte[] TokenHash { get; set; }

    public required string Name { get; set; }

    public string? CreatedBy { get; set; }

    public DateTimeOffset DatetimeCreated { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}

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

/// <summary>Where an image-quality session is; the members are the wire values.</summary>
public enum QualitySessionState
{
    /// <summary>Uploaded; the job is in the outbox or on the bus.</summary>
    created,

    /// <summary>The worker took the job (again, after a crash, is allowed).</summary>
    running,

    /// <summary>The worker reported each target image's result and measurements.</summary>
    finished,

    /// <summary>The worker gave up; the reason says why.</summary>
    failed,
}

/// <summary>What an image of a session is: one of the two target scans (the seed's image_tag), or an image of the batch.</summary>
public enum QualityImageRole
{
    before_target,
    after_target,
    batch,
}

/// <summary>
/// An image-quality session of a source: a test target scanned before and after a digitisation batch, and the batch.
/// Files live under {storage}/quality-sessions/{source}/{session}/.
/// </summary>
public sealed class QualitySession
{
    public Guid Id { get; set; }

    public Guid SourceId { get; set; }

    /// <summary>The target's id in the catalogue (Contracts/QualityTargets).</summary>
    public required string Target { get; set; }

    public QualitySessionState State { get; set; }

    public string? Reason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<QualitySessionImage> Images { get; set; } = [];
}

/// <summary>An image of a session as stored, and for a target image what the worker reported about it.</summary>
public sealed class QualitySessionImage
{
    public Guid SessionId { get; set; }

    /// <summary>The stored name, unique within its folder: images/ for the two targets, files/ for the batch.</summary>
    public required string FileName { get; set; }

    public QualityImageRole Role { get; set; }

    /// <summary>image/tiff or image/jpeg, as sniffed from the first bytes.</summary>
    public required string MediaType { get; set; }

    public long Size { get; set; }

    public required string Sha256 { get; set; }

    /// <summary>The worker's seed-shaped value for this image ({"A", "B", "C", "image_tag", "overall_score"}), as it sent it.</summary>
    public string? ResultJson { get; set; }

    /// <summary>The worker's measured values and tolerances, as it sent them.</summary>
    public string? MeasurementsJson { get; set; }
}
