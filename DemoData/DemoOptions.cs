using System.ComponentModel.DataAnnotations;

namespace Imaging.DemoData;

/// <summary>What the app host gives the demo job (section Demo).</summary>
public sealed class DemoOptions
{
    public const string SectionName = "Demo";

    /// <summary>{data}/demo: the marker that the demo exists, the walkthrough's files, and the token handed to the app host.</summary>
    [Required]
    public string OutputDirectory { get; set; } = "";

    public string Username { get; set; } = "demo";

    [Required]
    public string Password { get; set; } = "";

    /// <summary>ImagingImport's X-Service-Key.</summary>
    [Required]
    public string ServiceKey { get; set; } = "";

    public string ImportProject { get; set; } = "DEMO_COHORT";

    /// <summary>How long any one step may take before the demo gives up and says which.</summary>
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromMinutes(3);
}
