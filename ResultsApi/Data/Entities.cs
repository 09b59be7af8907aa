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

    public static readonly string[] All = [Admin, Medical, Scientist, Engineer];
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
