namespace Imaging.ResultsApi.Data;

/// <summary>
/// A stored DICOM instance of a source, indexed by what searches and retrieval use. The file is kept as received,
/// under {storage}/dicom/{source}/{study}/{series}/{sop}.dcm.
/// </summary>
public sealed class DicomInstance
{
    public long Id { get; set; }

    public Guid SourceId { get; set; }

    public required string StudyInstanceUid { get; set; }

    public required string SeriesInstanceUid { get; set; }

    public required string SopInstanceUid { get; set; }

    public required string SopClassUid { get; set; }

    public string? PatientId { get; set; }

    public string? PatientName { get; set; }

    public string? Modality { get; set; }

    public string? AccessionNumber { get; set; }

    /// <summary>DICOM DA, yyyymmdd, as in the file.</summary>
    public string? StudyDate { get; set; }

    public string? StudyDescription { get; set; }

    public string? SeriesDescription { get; set; }

    public int? SeriesNumber { get; set; }

    public int? InstanceNumber { get; set; }

    public int NumberOfFrames { get; set; } = 1;

    public required string TransferSyntaxUid { get; set; }

    public long Size { get; set; }

    public required string Sha256 { get; set; }

    public DateTimeOffset DatetimeCreated { get; set; }

    public DateTimeOffset? DatetimeUpdated { get; set; }
}
