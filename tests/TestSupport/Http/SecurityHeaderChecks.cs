namespace Imaging.TestSupport.Http;

/// <summary>The headers ServiceDefaults' pipeline sets on every answer of every service, as tests check them.</summary>
public static class SecurityHeaderChecks
{
    /// <summary>Each header that <paramref name="response"/> lacks, repeats or has with another value; empty when all are right.</summary>
    public static List<string> Problems(HttpResponseMessage response, string contentSecurityPolicy)
    {
        var expected = new Dictionary<string, string>
        {
            ["X-Content-Type-Options"] = "nosniff",
            ["X-Frame-Options"] = "DENY",
            ["Content-Security-Policy"] = contentSecurityPolicy,
            ["Referrer-Policy"] = "no-referrer",
            ["Cross-Origin-Resource-Policy"] = "same-origin",
        };
        return [.. expected
            .Where(header => !response.Headers.TryGetValues(header.Key, out var values) || values.ToList() is not [var single] || single != header.Value)
            .Select(header => $"{header.Key} is not '{header.Value}' (answer {(int)response.StatusCode} to {response.RequestMessage?.RequestUri?.AbsolutePath})")];
    }
}
