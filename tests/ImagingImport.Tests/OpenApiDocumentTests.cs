using System.Text.Json.Nodes;
using Imaging.ImagingImport.Apis;
using Imaging.TestSupport.Http;
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
public sealed class OpenApiDocumentTests(ImportFactory import) : IClassFixture<ImportFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_document_is_valid_OpenAPI()
    {
        var (document, problems) = await OpenApiDocuments.ReadAsync(import.CreateClient(), Ct);

        Assert.Empty(problems);
        var scheme = Assert.IsType<OpenApiSecurityScheme>(document.Components!.SecuritySchemes!["ServiceKey"]);
        Assert.Equal((SecuritySchemeType.ApiKey, ParameterLocation.Header, "X-Service-Key"), (scheme.Type, scheme.In, scheme.Name));
    }

    [Fact]
    public async Task Every_endpoint_is_documented_completely()
    {
        var (document, _) = await OpenApiDocuments.ReadAsync(import.CreateClient(), Ct);
        List<string> failures = [];
        var endpoints = Endpoints();

        foreach (var (method, pattern, route) in endpoints)
        {
            var key = $"{method} {pattern}";
            var operation = document.Paths?.GetValueOrDefault(pattern)?.Operations?.GetValueOrDefault(HttpMethod.Parse(method));
            var check = new OperationChecks(key, failures);
            if (!check.Documented(operation))
            {
                continue;
            }

            var responses = operation!.Responses ?? [];
            if (route.Metadata.GetMetadata<ServiceKeyRequired>() is not null)
            {
                check.Require(responses.ContainsKey("401"), "needs the service key but documents no 401");
                check.Require(operation.Security is { Count: > 0 }, "needs the service key but names no security scheme");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The check is only as good as the endpoint list it reads: the seed's two and the two beside them.
        Assert.True(endpoints.Count >= 4, "The endpoint data source lists fewer endpoints than the service maps.");
    }

    [Fact]
    public async Task The_answers_have_examples()
    {
        var (document, _) = await OpenApiDocuments.ReadAsync(import.CreateClient(), Ct);

        foreach (var ((operationId, status), json) in Imaging.ImagingImport.OpenApi.RetrievalExamples.Responses)
        {
            var operation = document.Paths!.Values.SelectMany(p => p.Operations!.Values).Single(o => o.OperationId == operationId);
            var example = operation.Responses![status.ToString(System.Globalization.CultureInfo.InvariantCulture)].Content!.Values.First().Example;
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), example), $"{operationId} {status}: {example}");
        }
    }

    [Fact]
    public async Task The_API_reference_page_loads_with_a_policy_that_lets_it_run() =>
        Assert.Empty(await ApiReferencePage.ProblemsAsync(import.CreateClient(), SecurityDefaults.ReferencePageContentSecurityPolicy, Ct));

    private List<(string Method, string Pattern, RouteEndpoint Route)> Endpoints() =>
    [
        .. import.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Route: e, Pattern: "/" + e.RoutePattern.RawText!.TrimStart('/')))
            .Where(e => !ServiceDefaultsEndpoints.NotTheApi.Any(prefix => e.Pattern.StartsWith(prefix, StringComparison.Ordinal)))
            .SelectMany(e => (e.Route.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(method => (method, e.Pattern, e.Route))),
    ];
}
