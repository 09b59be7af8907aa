using System.Text.Json;
using Imaging.ResultsApi.Data;

namespace Imaging.ResultsApi.Apis;

// Wire models, serialised in snake_case as the source platform's API. Field order follows its models.

public sealed record ResultOut(ResultType Type, string Directory, IReadOnlyList<string> Files, JsonElement Meta, Guid TaskId, Guid Id, DateTimeOffset DatetimeCreated)
{
    public static ResultOut From(Result result) =>
        new(result.Type, result.Directory, result.Files, JsonDocument.Parse(result.Meta).RootElement.Clone(), result.TaskId, result.Id, result.DatetimeCreated);
}

/// <summary>A full overwrite of a result's fields (the source platform's SetResult).</summary>
public sealed record SetResult(ResultType Type, string? Directory, List<string>? Files, JsonElement? Meta);

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
