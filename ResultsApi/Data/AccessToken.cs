namespace Imaging.ResultsApi.Data;

/// <summary>An opaque access token, kept only as its SHA-256; idle and absolute expiry.</summary>
public sealed class AccessToken
{
    public required byte[] TokenHash { get; set; }

    public required string Username { get; set; }

    public User? User { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset LastUsedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}
