namespace Imaging.ResultsApi.Data;

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
