using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Imaging.ResultsApi.Auth;

public sealed class SignedLinkOptions
{
    public const string SectionName = "SignedLinks";

    /// <summary>The HMAC key, at least 24 characters (the app host generates 24 random letters and digits, about 140 bits); every replica needs the same one (the app host gives a generated secret).</summary>
    [Required]
    [MinLength(24)]
    public string Key { get; set; } = "";

    /// <summary>How long a link works; the seed's vendor API says 15 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Links that carry their own permission: ?expires={unix seconds}&amp;signature={HMAC-SHA256 of path and expiry}.
/// Checked in constant time; a tampered or expired link is refused without saying which.
/// </summary>
public sealed class SignedLinks(IOptions<SignedLinkOptions> options, TimeProvider time)
{
    public string Sign(string path)
    {
        var expires = (time.GetUtcNow() + options.Value.Lifetime).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"{path}?expires={expires}&signature={Signature(path, expires)}";
    }

    public bool IsValid(string path, string? expires, string? signature)
    {
        if (expires is null || signature is null || !long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Signature(path, expires));
        var given = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, given) && time.GetUtcNow().ToUnixTimeSeconds() <= seconds;
    }

    private string Signature(string path, string expires) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.Value.Key), Encoding.UTF8.GetBytes($"{path}\n{expires}")));
}
