namespace Imaging.ResultsApi.Data;

/// <summary>
/// An image-quality session of a source: a test target scanned before and after a digitisation batch, and the batch.
/// Files live under {storage}/quality-sessions/{source}/{session}/.
/// </summary>
public sealed class QualitySession
{
    public Guid Id { get; set; }

    public Guid SourceId { get; set; }

    /// <summary>The target's id in the catalogue (Contracts/QualityTargets).</summary>
    public required string Target { get; set; }

    public QualitySessionState State { get; set; }

    public string? Reason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public List<QualitySessionImage> Images { get; set; } = [];
}
