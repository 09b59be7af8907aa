using System.ComponentModel.DataAnnotations;

namespace Imaging.ResultsApi.Storage;

public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Where result files live: {Root}/{workflow_id}/{task_id}/{result_id}/{file}.</summary>
    [Required]
    public string Root { get; set; } = "";

    /// <summary>The largest single upload accepted; an upload request's whole body may be 1 MiB more (multipart headers and boundaries).</summary>
    [Range(1, long.MaxValue)]
    public long MaxUploadBytes { get; set; } = 2L << 30;

    /// <summary>The most complex values a raw-data upload may hold (slices × coils × ky × kx); 64 Mi is 512×512×256 coils.</summary>
    [Range(1, long.MaxValue)]
    public long MaxRawDataValues { get; set; } = 64L * 1024 * 1024;

    /// <summary>The largest body of a request that is not an upload (JSON, forms): a definition or a report, never a file.</summary>
    [Range(1, long.MaxValue)]
    public long MaxRequestBodyBytes { get; set; } = 1L << 20;

    /// <summary>The most parts an upload's multipart body (form or STOW-RS) may have.</summary>
    [Range(1, 100_000)]
    public int MaxParts { get; set; } = 1000;

    /// <summary>How deep a JSON request body may nest objects and arrays (System.Text.Json allows 64).</summary>
    [Range(1, 64)]
    public int MaxJsonDepth { get; set; } = 32;

    /// <summary>The most bytes a deflated DICOM instance (1.2.840.10008.1.2.1.99) may inflate to.</summary>
    [Range(1, long.MaxValue)]
    public long MaxInflatedDicomBytes { get; set; } = 256L << 20;

    /// <summary>
    /// Whether a stored file is on disk before the request is answered: its data fsynced before it is renamed into place,
    /// and its folder (with any folder made for it) after, so a 200 survives a power cut. Off only for throwaway stores.
    /// </summary>
    public bool SyncToDisk { get; set; } = true;

    /// <summary>What an upload request's body may hold beyond <see cref="MaxUploadBytes"/>: multipart headers and boundaries.</summary>
    public const long MultipartOverheadBytes = 1L << 20;
}
