using System.Net;
using System.Text.RegularExpressions;

namespace Imaging.TestSupport.Http;

/// <summary>The API reference page (Scalar) that ServiceDefaults maps on every service, as tests check it.</summary>
public static partial class ApiReferencePage
{
    public const string Path = "/scalar/v1";

    /// <summary>
    /// What keeps the page from loading under its policy: not HTML, another Content-Security-Policy than
    /// <paramref name="policy"/>, no script, a script from elsewhere than the service ('self'), or one that does not load.
    /// Empty when it loads.
    /// </summary>
    public static async Task<List<string>> ProblemsAsync(HttpClient client, string policy, CancellationToken cancellationToken)
    {
        List<string> problems = [];
        var address = new Uri(client.BaseAddress ?? throw new ArgumentException("The client has no base address.", nameof(client)), Path);
        using var page = await client.GetAsync(address, cancellationToken);
        var html = await page.Content.ReadAsStringAsync(cancellationToken);
        if (page.StatusCode != HttpStatusCode.OK || page.Content.Headers.ContentType?.MediaType != "text/html" || !html.Contains("<html", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{Path} answered {(int)page.StatusCode} {page.Content.Headers.ContentType?.MediaType}, not an HTML page");
        }

        problems.AddRange(SecurityHeaderChecks.Problems(page, policy));
        var scripts = ScriptSource().Matches(html).Select(m => m.Groups[1].Value).ToList();
        if (scripts.Count == 0)
        {
            problems.Add($"{Path} names no script");
        }

        foreach (var script in scripts)
        {
            if (script.StartsWith("http", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{script} is not from this service");
                continue;
            }

            using var loaded = await client.GetAsync(new Uri(address, script), cancellationToken);
            if (loaded.StatusCode != HttpStatusCode.OK)
            {
                problems.Add($"{script} answered {(int)loaded.StatusCode}");
            }
        }

        return problems;
    }

    [GeneratedRegex("<script[^>]*src=\"([^\"]+)\"")]
    private static partial Regex ScriptSource();
}
