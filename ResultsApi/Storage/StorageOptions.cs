using System.ComponentModel.DataAnnotations;

namespace Imaging.ResultsApi.Storage;

public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Where result files live: {Root}/{workflow_id}/{task_id}/{result_id}/{file}.</summary>
    [Required]
    public string Root { get; set; } = "";

    /// <summary>The largest single upload accepted.</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 2L << 30;

    /// <summary>The most complex values a raw-data upload may hold (slices × coils × ky × kx); 64 Mi is 512×512×256 coils.</summary>
    [Range(1, long.MaxValue)]
    public long MaxRawDataValues { get; set; } = 64L * 1024 * 1024;
}
