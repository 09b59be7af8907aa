using System.Security.Cryptography;
using System.Text;

namespace Imaging.ResultsApi.Auth;

/// <summary>A new source API token: the secret exists only here, once; the database keeps its SHA-256.</summary>
public sealed record NewSourceToken(SourceApiToken Token, string Secret);

/// <summary>
/// Source API tokens (the vendor API's `Authorization: Token …`), made and revoked by the admin endpoint and by the
/// `tokens` command line alike. A token is 24 random bytes; only its hash is stored, so it is shown once.
/// </summary>
public sealed class SourceTokens(TimeProvider time)
{
    public const int MaxNameLength = 100;

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.ASCII.GetBytes(secret));

    public static string? ValidateName(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Trim().Length > MaxNameLength ? $"A token needs a name of 1 to {MaxNameLength} characters, to know later what it was for." : null;

    public async Task<NewSourceToken> CreateAsync(ResultsDbContext db, Guid sourceId, string name, string createdBy, CancellationToken cancellationToken)
    {
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var token = new SourceApiToken
        {
            Id = Guid.NewGuid(),
            SourceId = sourceId,
            TokenHash = Hash(secret),
            Name = name.Trim(),
            CreatedBy = createdBy,
            DatetimeCreated = time.GetUtcNow(),
        };
        db.SourceApiTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        return new NewSourceToken(token, secret);
    }

    /// <summary>Revokes the token (once; revoking again keeps the first time). False when there is no such token.</summary>
    public async Task<bool> RevokeAsync(ResultsDbContext db, Guid tokenId, CancellationToken cancellationToken)
    {
        var token = await db.SourceApiTokens.SingleOrDefaultAsync(t => t.Id == tokenId, cancellationToken);
        if (token is null)
        {
            return false;
        }

        token.RevokedAt ??= time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }
}
