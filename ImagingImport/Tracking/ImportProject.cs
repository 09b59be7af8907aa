namespace Imaging.ImagingImport.Tracking;

/// <summary>An XNAT project ImagingImport imports into, and whether it created (or found) the project there.</summary>
public sealed class ImportProject
{
    public required string ProjectId { get; set; }

    public bool CreationCompleted { get; set; }

    public DateTimeOffset DatetimeCreated { get; set; }
}
