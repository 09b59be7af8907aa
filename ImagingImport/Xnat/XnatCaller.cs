using System.Net.Http.Headers;

namespace Imaging.ImagingImport.Xnat;

/// <summary>An XNAT user's credentials as the caller sent them: HTTP Basic, or an XNAT session id. Never logged, traced or stored.</summary>
public sealed record XnatCredentials(AuthenticationHeaderValue? Basic, string? SessionId)
{
    /// <summary>No secret in a log line or a debugger's view, should the record ever be printed.</summary>
    public override string ToString() => Basic is not null ? "XNAT Basic credentials" : "XNAT session";
}

/// <summary>
/// The XNAT identity of the request (the seed's XNATAuthHeaders): HTTP Basic credentials or an XNAT session id the
/// caller sent, or, in a background import, those of the caller who queued the study. While set, the scope's XNAT
/// calls run as that user, so XNAT's own project permissions decide.
/// </summary>
public sealed class XnatCaller
{
    public XnatCredentials? Credentials { get; private set; }

    public AuthenticationHeaderValue? Basic => Credentials?.Basic;

    public string? SessionId => Credentials?.SessionId;

    public bool Present => Credentials is not null;

    /// <summary>This scope's XNAT calls run as the user who queued the study being imported.</summary>
    public void ActFor(XnatCredentials credentials) => Credentials = credentials;

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

            Credentials = new XnatCredentials(new AuthenticationHeaderValue("Basic", authorization[6..].Trim()), null);
            return true;
        }

        if (request.Cookies.TryGetValue("JSESSIONID", out var session))
        {
            if (session.Length is 0 or > 200 || !session.All(char.IsAsciiLetterOrDigit))
            {
                return false;
            }

            Credentials = new XnatCredentials(null, session);
            return true;
        }

        return null;
    }
}
