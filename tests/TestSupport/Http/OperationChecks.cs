using Microsoft.OpenApi;

namespace Imaging.TestSupport.Http;

/// <summary>
/// The checks of one operation of a service's OpenAPI document, each failure a line "METHOD pattern: what is missing",
/// so a test lists every gap at once. <see cref="Documented"/> holds what every operation of every service must have.
/// </summary>
public sealed class OperationChecks(string key, List<string> failures)
{
    public void Require(bool condition, string what)
    {
        if (!condition)
        {
            failures.Add($"{key}: {what}");
        }
    }

    /// <summary>
    /// In the document, with a summary, an operationId, a success answer, described parameters, and a body schema for
    /// every answer with a body (2xx but 204, and every error); false when the operation is not in the document at all.
    /// </summary>
    public bool Documented(OpenApiOperation? operation)
    {
        if (operation is null)
        {
            failures.Add($"{key}: not in the document");
            return false;
        }

        var responses = operation.Responses ?? [];
        Require(!string.IsNullOrWhiteSpace(operation.Summary), "no summary");
        Require(!string.IsNullOrWhiteSpace(operation.OperationId), "no operationId");
        Require(responses.Keys.Any(code => code.StartsWith('2')), "no 2xx answer");
        foreach (var parameter in operation.Parameters ?? [])
        {
            Require(!string.IsNullOrWhiteSpace(parameter.Description), $"parameter {parameter.Name} undescribed");
        }

        // The generator answers a bare 200 for any handler that returns IResult; only a declared answer has a body.
        foreach (var (code, response) in responses.Where(r => (r.Key[0] is '2' && r.Key != "204") || r.Key[0] is '4' or '5'))
        {
            Require(response.Content is { Count: > 0 } && response.Content.Values.All(m => m.Schema is not null), $"{code} without a body schema");
        }

        return true;
    }
}
