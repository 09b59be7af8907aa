using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Imaging.TestSupport.Http;

/// <summary>A service's OpenAPI document as Microsoft.OpenApi reads it, with what is wrong with it.</summary>
public static class OpenApiDocuments
{
    /// <summary>
    /// GET /openapi/v1.json, read and validated: the problems are the reader's errors, the default rule set's
    /// violations, and a version other than OpenAPI 3. Empty when the document is valid.
    /// </summary>
    public static async Task<(OpenApiDocument Document, List<string> Problems)> ReadAsync(HttpClient client, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync("/openapi/v1.json", cancellationToken);
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadAsStringAsync(cancellationToken);
        var (document, diagnostic) = OpenApiDocument.Parse(json, "json");
        List<string> problems = [.. diagnostic?.Errors.Select(e => $"{e.Pointer}: {e.Message}") ?? []];
        if (document is null)
        {
            problems.Add("/openapi/v1.json is not an OpenAPI document");
            return (new OpenApiDocument(), problems);
        }

        problems.AddRange(document.Validate(ValidationRuleSet.GetDefaultRuleSet())?.Select(e => $"{e.Pointer}: {e.Message}") ?? []);
        var version = JsonNode.Parse(json)?["openapi"]?.GetValue<string>();
        if (version?.StartsWith("3.", StringComparison.Ordinal) != true)
        {
            problems.Add($"OpenAPI version {version}, not 3");
        }

        return (document, problems);
    }
}
