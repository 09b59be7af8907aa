using System.ComponentModel.DataAnnotations;

namespace Imaging.WorkflowWorker.ResultsApi;

/// <summary>The worker's service account on ResultsApi (role "service"); the app host gives both sides the password.</summary>
public sealed class ResultsApiOptions
{
    public const string SectionName = "ResultsApi";

    [Required]
    public string Username { get; set; } = "workflow-worker";

    [Required]
    public string Password { get; set; } = "";
}
