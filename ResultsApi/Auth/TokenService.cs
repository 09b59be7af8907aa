using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Caching.Memory;

namespace Imaging.ResultsApi.Auth;

/// <summary>Checks passwords and issues and validates opaque access tokens (kept only as SHA-256 hashes).</summary>
public sealed class TokenService(ResultsDbContext db, IPasswordHasher<User> hasher, IOptions<AuthOptions> options, TimeProvider time, IMemoryCache cache)
{
    /// <summary>How long a validated token is trusted without asking the database again (a revocation elsewhere takes this long to reach this replica).</summary>
    public static readonly TimeSpan ValidationCacheTime = TimeSpan.FromSeconds(30);

    // Verified against when the user does not exist, so a wrong username costs as much as a wrong password.
    private static readonly string DummyHash = new PasswordHasher<User>().HashPassword(null!, "not a password anyone has");

    public sealed record IssuedToken(string AccessToken, DateTimeOffset ExpiresAt, User User);

    public async Task<IssuedToken?> LoginAsync(string username, string password, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().SingleOrDefaultAsync(u => u.Username == username, cancellationToken);
        var verdict = hasher.VerifyHashedPassword(user!, user?.PasswordHash ?? DummyHash, password);
        if (user is null || verdict == PasswordVerificationResult.Failed)
        {
            return null;
        }

        var token = RandomNumberGenerator.GetBytes(32);
        var now = time.GetUtcNow();
        var expires = now + options.Value.AbsoluteTimeout;
        db.AccessTokens.Add(new AccessToken { TokenHash = SHA256.HashData(token), Username = user.Username, CreatedAt = now, LastUsedAt = now, ExpiresAt = expires });
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            db.Users.Attach(user).Entity.PasswordHash = hasher.HashPassword(user, password);
        }

        await db.SaveChangesAsync(cancellationToken);
        return new IssuedToken(Base64UrlEncode(token), expires, user);
    }

    /// <summary>The token's user when the token exists and has expired neither by idleness nor by age.</summary>
    public async Task<User?> ValidateAsync(string accessToken, CancellationToken cancellationToken)
    {
        if (!TryBase64UrlDecode(accessToken, out var raw) || raw.Length != 32)
        {
            return null;
        }

        var hash = SHA256.HashData(raw);
        var key = CacheKey(hash);
        var now = time.GetUtcNow();
        if (cache.TryGetValue<AccessToken>(key, out var known) && known is not null)
        {
            // Expiry is still judged on every request, from the facts cached with the token.
            if (known.ExpiresAt > now && known.LastUsedAt + options.Value.IdleTimeout > now && now - known.LastUsedAt <= TimeSpan.FromMinutes(1))
            {
                return known.User;
            }

            cache.Remove(key);
        }

        var token = await db.AccessTokens.Include(t => t.User).SingleOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        if (token is null || token.ExpiresAt <= now || token.LastUsedAt + options.Value.IdleTimeout <= now)
        {
            return null;
        }

        // Recording every use would write on every request; a minute's precision is enough for an hour's idle limit.
        if (now - token.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            token.LastUsedAt = now;
            await db.SaveChangesAsync(cancellationToken);
        }

        cache.Set(key, token, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = ValidationCacheTime, Size = 1 });
        return token.User;
    }

    public async Task<bool> RevokeAsync(string accessToken, CancellationToken cancellationToken)
    {
        if (!TryBase64UrlDecode(accessToken, out var raw))
        {
            return false;
        }

        var hash = SHA256.HashData(raw);
        cache.Remove(CacheKey(hash));
        return await db.AccessTokens.Where(t => t.TokenHash == hash).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    private static string CacheKey(byte[] hash) => "token:" + Convert.ToHexString(hash);

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryBase64UrlDecode(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length is 0 or > 64 || text.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            return false;
        }

        var padded = text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - text.Length % 4) % 4);
        try
        {
            bytes = Convert.FromBase64String(padded);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
