namespace Imaging.ResultsApi.Data;

/// <summary>An image of a session as stored, and for a target image what the worker reported about it.</summary>
public sealed class QualitySessionImage
{
    public Guid SessionId { get; set; }

    /// <summary>The stored name, unique within its folder: images/ for the two targets, files/ for the batch.</summary>
    public required string FileName { get; set; }

    public QualityImageRole Role { get; set; }

    /// <summary>image/tiff or image/jpeg, as sniffed from the first bytes.</summary>
    public required string MediaType { get; set; }

    public long Size { get; set; }

    public required string Sha256 { get; set; }

    /// <summary>The worker's seed-shaped value for this image ({"A", "B", "C", "image_tag", "overall_score"}), as it sent it.</summary>
    public string? ResultJson { get; set; }

    /// <summary>The worker's measured values and tolerances, as it sent them.</summary>
    public string? MeasurementsJson { get; set; }
}
