namespace Imaging.ResultsApi.Data;

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
