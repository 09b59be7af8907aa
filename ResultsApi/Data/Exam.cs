namespace Imaging.ResultsApi.Data;

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
