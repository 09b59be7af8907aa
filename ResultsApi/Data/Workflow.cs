namespace Imaging.ResultsApi.Data;

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
