using System.Diagnostics;
using OpenTelemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Blanks the values of secret query parameters (a signed link's signature, a token) in the URL tags of every span
/// before it is exported. OpenTelemetry's own query redaction is turned off in development by Aspire so the dashboard
/// shows whole URLs; a signature is a credential for as long as the link lives, so it never leaves the process.
/// </summary>
public sealed class SecretQueryRedaction : BaseProcessor<Activity>
{
    public const string Redacted = "Redacted";

    private static readonly string[] UrlTags = ["url.query", "url.full", "http.url", "http.target"];
    private static readonly HashSet<string> SecretParameters = new(StringComparer.OrdinalIgnoreCase) { "signature", "token", "access_token", "key" };

    public override void OnEnd(Activity data)
    {
        foreach (var tag in UrlTags)
        {
            if (data.GetTagItem(tag) is string value && value.Contains('=', StringComparison.Ordinal))
            {
                var redacted = Redact(value);
                if (!ReferenceEquals(redacted, value))
                {
                    data.SetTag(tag, redacted);
                }
            }
        }
    }

    /// <summary>The URL or query with each secret parameter's value replaced; the same instance when there is none.</summary>
    public static string Redact(string urlOrQuery)
    {
        var start = urlOrQuery.IndexOf('?', StringComparison.Ordinal) + 1;
        var changed = false;
        var parts = urlOrQuery[start..].Split('&');
        for (var i = 0; i < parts.Length; i++)
        {
            var equals = parts[i].IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && SecretParameters.Contains(Uri.UnescapeDataString(parts[i][..equals])) && parts[i][(equals + 1)..] != Redacted)
            {
                parts[i] = parts[i][..(equals + 1)] + Redacted;
                changed = true;
            }
        }

        return changed ? urlOrQuery[..start] + string.Join('&', parts) : urlOrQuery;
    }
}
