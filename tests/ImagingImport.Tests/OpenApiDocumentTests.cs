using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Imaging.ImagingImport.Apis;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.OpenApi;

namespace ImagingImport.Tests;

/// <summary>
/// /openapi/v1.json is valid OpenAPI (read and validated by Microsoft.OpenApi) and complete: every endpoint the host
/// maps is in it with a summary, an operationId, described parameters, a success answer with its body, 401 and the
/// X-Service-Key scheme where the key is required, and a body schema for every error. The Scalar page runs under the
/// reference page's content security policy.
/// </summary>
public sealed partial class OpenApiDocumentTests(ImportFactory import) : IClassFixture<ImportFactory>
{
    /// <summary>Endpoints that are not the API: probes, the document itself and its reference page.</summary>
    private static readonly string[] NotTheApi = ["/health", "/alive", "/openapi", "/scalar"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_document_is_valid_OpenAPI()
    {
        var (json, document, diagnostic) = await ReadAsync();

        Assert.True(diagnostic.Errors.Count == 0, string.Join("\n", diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        var errors = document.Validate(ValidationRuleSet.GetDefaultRuleSet())?.ToList() ?? [];
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"{e.Pointer}: {e.Message}")));
        Assert.StartsWith("3.", JsonNode.Parse(json)!["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        var scheme = Assert.IsType<OpenApiSecurityScheme>(document.Components!.SecuritySchemes!["ServiceKey"]);
        Assert.Equal((SecuritySchemeType.ApiKey, ParameterLocation.Header, "X-Service-Key"), (scheme.Type, scheme.In, scheme.Name));
    }

    [Fact]
    public async Task Every_endpoint_is_documented_completely()
    {
        var (_, document, _) = await ReadAsync();
        List<string> failures = [];
        var endpoints = Endpoints();

        foreach (var (method, pattern, route) in endpoints)
        {
            var key = $"{method} {pattern}";
            var operation = document.Paths?.GetValueOrDefault(pattern)?.Operations?.GetValueOrDefault(HttpMethod.Parse(method));
            if (operation is null)
            {
                failures.Add($"{key}: not in the document");
                continue;
            }

            var responses = operation.Responses ?? [];
            void Require(bool condition, string what)
            {
                if (!condition)
                {
                    failures.Add($"{key}: {what}");
                }
            }

            Require(!string.IsNullOrWhiteSpace(operation.Summary), "no summary");
            Require(!string.IsNullOrWhiteSpace(operation.OperationId), "no operationId");
            Require(responses.Keys.Any(code => code.StartsWith('2')), "no 2xx answer");
            foreach (var parameter in operation.Parameters ?? [])
            {
                Require(!string.IsNullOrWhiteSpace(parameter.Description), $"parameter {parameter.Name} undescribed");
            }

            // The generator answers a bare 200 for any handler that returns IResult; only a declared answer has a body.
            foreach (var (code, response) in responses.Where(r => r.Key[0] is '2' && r.Key != "204"))
            {
                Require(response.Content is { Count: > 0 } && response.Content.Values.All(m => m.Schema is not null), $"{code} without a body schema");
            }

            foreach (var (code, response) in responses.Where(r => r.Key[0] is '4' or '5'))
            {
                Require(response.Content is { Count: > 0 } && response.Content.Values.All(m => m.Schema is not null), $"{code} without a body schema");
            }

            if (route.Metadata.GetMetadata<ServiceKeyRequired>() is not null)
            {
                Require(responses.ContainsKey("401"), "needs the service key but documents no 401");
                Require(operation.Security is { Count: > 0 }, "needs the service key but names no security scheme");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The check is only as good as the endpoint list it reads: the seed's two and the two beside them.
        Assert.True(endpoints.Count >= 4, "The endpoint data source lists fewer endpoints than the service maps.");
    }

    [Fact]
    public async Task The_answers_have_examples()
    {
        var (_, document, _) = await ReadAsync();

        foreach (var ((operationId, status), json) in Imaging.ImagingImport.OpenApi.RetrievalExamples.Responses)
        {
            var operation = document.Paths!.Values.SelectMany(p => p.Operations!.Values).Single(o => o.OperationId == operationId);
            var example = operation.Responses![status.ToString(System.Globalization.CultureInfo.InvariantCulture)].Content!.Values.First().Example;
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), example), $"{operationId} {status}: {example}");
        }
    }

    [Fact]
    public async Task The_API_reference_page_loads_with_a_policy_that_lets_it_run()
    {
        using var page = await import.CreateClient().GetAsync("/scalar/v1", Ct);
        var html = await page.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal(SecurityDefaults.ReferencePageContentSecurityPolicy, Assert.Single(page.Headers.GetValues("Content-Security-Policy")));
        // Its scripts come from this service ('self'), which the page's policy admits.
        var scripts = ScriptSource().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            Assert.False(script.StartsWith("http", StringComparison.OrdinalIgnoreCase), $"{script} is not from this service");
            using var loaded = await import.CreateClient().GetAsync(new Uri(new Uri("http://localhost/scalar/v1"), script), Ct);
            Assert.Equal(HttpStatusCode.OK, loaded.StatusCode);
        }
    }

    private async Task<(string Json, OpenApiDocument Document, Microsoft.OpenApi.Reader.OpenApiDiagnostic Diagnostic)> ReadAsync()
    {
        using var response = await import.CreateClient().GetAsync("/openapi/v1.json", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadAsStringAsync(Ct);
        var (document, diagnostic) = OpenApiDocument.Parse(json, "json");
        Assert.NotNull(document);
        Assert.NotNull(diagnostic);
        return (json, document, diagnostic);
    }

    private List<(string Method, string Pattern, RouteEndpoint Route)> Endpoints() =>
    [
        .. import.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Route: e, Pattern: "/" + e.RoutePattern.RawText!.TrimStart('/')))
            .Where(e => !NotTheApi.Any(prefix => e.Pattern.StartsWith(prefix, StringComparison.Ordinal)))
            .SelectMany(e => (e.Route.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(method => (method, e.Pattern, e.Route))),
    ];

    [GeneratedRegex("<script[^>]*src=\"([^\"]+)\"")]
    private static partial Regex ScriptSource();
}
