namespace Imaging.ResultsApi.Data;

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
