using System.Net.Http.Headers;

namespace Imaging.ImagingImport.Xnat;

/// <summary>
/// The XNAT identity of the request (the seed's XNATAuthHeaders): HTTP Basic credentials or an XNAT session id the
/// caller sent. While set, this request's XNAT calls run as that user, so XNAT's own project permissions decide.
/// Kept for the request only: never logged, traced or stored.
/// </summary>
public sealed class XnatCaller
{
    public AuthenticationHeaderValue? Basic { get; private set; }

    public string? SessionId { get; private set; }

    public bool Present => Basic is not null || SessionId is not null;

    /// <summary>Reads the request's XNAT credentials; null when it has none, else whether they are well-formed.</summary>
    public bool? TryRead(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase) || authorization.Length > 1024)
            {
                return false;
            }

            try
            {
                var pair = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
                if (pair.IndexOf(':', StringComparison.Ordinal) <= 0)
                {
                    return false;
                }
            }
            catch (FormatException)
            {
                return false;
            }

            Basic = new AuthenticationHeaderValue("Basic", authorization[6..].Trim());
            return true;
        }

        if (request.Cookies.TryGetValue("JSESSIONID", out var session))
        {
            if (session.Length is 0 or > 200 || !session.All(char.IsAsciiLetterOrDigit))
            {
                return false;
            }

            SessionId = session;
            return true;
        }

        return null;
    }
}
