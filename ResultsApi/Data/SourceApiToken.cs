namespace Imaging.ResultsApi.Data;

/// <summary>An API token of a source for the series results API (Authorization: Token …), kept only as its SHA-256.</summary>
public sealed class SourceApiToken
{
    public Guid Id { get; set; }

    public Guid SourceId { get; set; }

    public required byte[] TokenHash { get; set; }

    public required string Name { get; set; }

    public string? CreatedBy { get; set; }

    public DateTimeOffset DatetimeCreated { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
