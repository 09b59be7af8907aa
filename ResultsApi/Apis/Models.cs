namespace Imaging.ResultsApi.Apis;

// Wire models, serialised in snake_case as the source platform's API. Field order follows its models.

public sealed record ResultOut(ResultType Type, string Directory, IReadOnlyList<string> Files, JsonElement Meta, Guid TaskId, Guid Id, DateTimeOffset DatetimeCreated)
{
    public static ResultOut From(Result result) =>
        new(result.Type, result.Directory, result.Files, JsonDocument.Parse(result.Meta).RootElement.Clone(), result.TaskId, result.Id, result.DatetimeCreated);
}

/// <summary>The source platform's SetResult: the fields to change; a field left out (null) keeps its value.</summary>
public sealed record SetResult(ResultType? Type, string? Directory, List<string>? Files, JsonElement? Meta);

public sealed record ExamIn(string Name, string? PatientId, string? Description, string? Indication, string? Comment, bool IsTemplate = false, ItemStatus Status = ItemStatus.NEW);

public sealed record ExamOut(Guid Id, string? PatientId, string Name, string? Description, string? Indication, string? Comment, ItemStatus Status,
    bool IsTemplate, string? Creator, DateTimeOffset DatetimeCreated, DateTimeOffset? DatetimeUpdated)
{
    public static ExamOut From(Exam e) => new(e.Id, e.PatientId, e.Name, e.Description, e.Indication, e.Comment, e.Status, e.IsTemplate, e.Creator, e.DatetimeCreated, e.DatetimeUpdated);
}

public sealed record WorkflowIn(Guid ExamId, string Name, string? Description, string? Comment, bool IsTemplate = false, ItemStatus Status = ItemStatus.NEW);

public sealed record WorkflowOut(Guid Id, Guid ExamId, string Name, string? Description, string? Comment, ItemStatus Status, bool IsTemplate,
    DateTimeOffset DatetimeCreated, DateTimeOffset? DatetimeUpdated)
{
    public static WorkflowOut From(Workflow w) => new(w.Id, w.ExamId, w.Name, w.Description, w.Comment, w.Status, w.IsTemplate, w.DatetimeCreated, w.DatetimeUpdated);
}

public sealed record TaskIn(Guid WorkflowId, string Name, string? Description, string? TaskType, string? Destination, bool IsTemplate = false, ItemStatus Status = ItemStatus.NEW);

public sealed record TaskOut(Guid Id, Guid WorkflowId, string Name, string? Description, string? TaskType, string? Destination, ItemStatus Status, int Progress,
    string? StatusMessage, bool IsTemplate, DateTimeOffset DatetimeCreated, DateTimeOffset? DatetimeUpdated)
{
    public static TaskOut From(ScanTask t) => new(t.Id, t.WorkflowId, t.Name, t.Description, t.TaskType, t.Destination, t.Status, t.Progress, t.StatusMessage,
        t.IsTemplate, t.DatetimeCreated, t.DatetimeUpdated);
}

public sealed record Page<T>(IReadOnlyList<T> Items, int Total, int Limit, int Offset);

public sealed record TokenOut(string AccessToken, string TokenType, long ExpiresIn, string Username, string Role);

/// <summary>A workflow definition as the workflow manager's BaseWorkflow.</summary>
public sealed record WorkflowDefinitionIn(string Name, string? Description, string Version, string? Author, JsonElement? Definition);

public sealed record WorkflowDefinitionOut(int Id, string Name, string? Description, string Version, string? Author, JsonElement Definition,
    DateTimeOffset DatetimeCreated, DateTimeOffset? DatetimeUpdated)
{
    public static WorkflowDefinitionOut From(WorkflowDefinition w) => new(w.Id, w.Name, w.Description, w.Version, w.Author,
        JsonDocument.Parse(w.Definition).RootElement.Clone(), w.DatetimeCreated, w.DatetimeUpdated);
}

/// <summary>The meta list's item: everything but the definition.</summary>
public sealed record WorkflowMetaOut(int Id, string Name, string? Description, string Version, string? Author);

public sealed record RecordIn(Guid TaskId);

public sealed record RecordOut(int Id, Guid TaskId, Guid? ResultId, RecordStatus Status, string? StatusMessage, string? FileName, long? FileSize,
    string? Sha256, string? Shape, string? Dtype, int Generation, DateTimeOffset DatetimeCreated, DateTimeOffset? DatetimeUpdated)
{
    public static RecordOut From(RawDataRecord r) => new(r.Id, r.TaskId, r.ResultId, r.Status, r.StatusMessage, r.FileName, r.FileSize, r.Sha256,
        r.Shape, r.Dtype, r.Generation, r.DatetimeCreated, r.DatetimeUpdated);
}

/// <summary>What the worker needs to write the series: the job's generation, and the exam and task it belongs to.</summary>
public sealed record ReconstructionContext(int RecordId, int Generation, string Input, Guid ResultId, Guid TaskId, string TaskName, Guid WorkflowId,
    Guid ExamId, string ExamName, string? PatientId, DateTimeOffset ExamCreated);

public sealed record ReconstructionStarted(string Input);

/// <summary>The worker's report of how far it is: percent 0–99 and the stage, for the task a person follows.</summary>
public sealed record ReconstructionProgress(int Generation, int Percent, string? Stage);

public sealed record ReconstructionFinished(int Generation, List<string> Files);

public sealed record ReconstructionFailed(int Generation, string Reason);
