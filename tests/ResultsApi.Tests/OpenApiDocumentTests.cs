using System.Text.Json.Nodes;
using Imaging.TestSupport.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;

namespace ResultsApi.Tests;

/// <summary>
/// /openapi/v1.json is valid OpenAPI (read and validated by Microsoft.OpenApi) and complete: every endpoint the host
/// maps is in it with a summary, an operationId, described parameters, a success answer with its body, 401 (and 403 for a role) when it
/// needs a token, a body schema for every error, and the seeds' bodies as the examples of the answers the seeds fix.
/// </summary>
public sealed class OpenApiDocumentTests(ResultsApiFactory api) : IClassFixture<ResultsApiFactory>
{
    /// <summary>
    /// Endpoints with route parameters that do not answer 404 for an unknown one, with the reason. Every other such
    /// endpoint must document 404, and 400 for a malformed value, unless listed in <see cref="NoBadRequestForRouteValues"/>.
    /// </summary>
    private static readonly Dictionary<string, string> NoNotFoundForRouteValues = new()
    {
        ["POST /dicom-web/studies/{study}"] = "STOW-RS into a study stores instances; an unknown study is the usual case",
        ["GET /dicom-web/studies/{study}/series"] = "QIDO-RS: no match is 200 with an empty list",
        ["GET /dicom-web/studies/{study}/series/{series}/instances"] = "QIDO-RS: no match is 200 with an empty list",
        ["GET /results/files/{source_id}/{series}/{filename}"] = "a signed link: every refusal is the same 403, revealing nothing",
        ["GET /api/v1/exam/result/all/{task_id}"] = "the results seed: an unknown task's results are 200 with an empty list",
    };

    /// <summary>Endpoints with route parameters that answer a malformed value like an unknown one, with the reason.</summary>
    private static readonly Dictionary<string, string> NoBadRequestForRouteValues = new()
    {
        ["GET /api/results/{session_id}"] = "the quality session seed answers 404 for a malformed, unknown or another source's session",
        ["GET /api/results/{session_id}/measurements"] = "as the seed's /api/results/{session_id}",
        ["GET /api/sessions/{session_id}"] = "as the seed's /api/results/{session_id}",
        ["GET /api/download/{session_id}"] = "as the seed's /api/results/{session_id}",
        ["GET /results/{series}"] = "the vendor API answers 404 'not yet uploaded' for any series it does not hold",
        ["GET /compute/{series}"] = "the vendor API answers 404 'not yet uploaded' for any series it does not hold",
        ["GET /results/files/{source_id}/{series}/{filename}"] = "a signed link: every refusal is the same 403, revealing nothing",
        ["GET /api/v1/exam/result/all/{task_id}"] = "the results seed: an unknown task's results are 200 with an empty list",
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_document_is_valid_OpenAPI()
    {
        var (document, problems) = await OpenApiDocuments.ReadAsync(api.CreateClient(), Ct);

        Assert.Empty(problems);
        Assert.True(document.Components?.SecuritySchemes?.ContainsKey("Bearer"));
        Assert.True(document.Components?.SecuritySchemes?.ContainsKey("SourceToken"));
    }

    [Fact]
    public async Task Every_endpoint_is_documented_completely()
    {
        var (document, _) = await OpenApiDocuments.ReadAsync(api.CreateClient(), Ct);
        List<string> failures = [];

        foreach (var endpoint in Endpoints())
        {
            var operation = document.Paths?.GetValueOrDefault(endpoint.DocumentPath)?.Operations?.GetValueOrDefault(HttpMethod.Parse(endpoint.Method));
            var check = new OperationChecks(endpoint.Key, failures);
            if (!check.Documented(operation))
            {
                continue;
            }

            var responses = operation!.Responses ?? [];
            check.Require(responses.Values.All(r => !string.IsNullOrWhiteSpace(r.Description)), "a response without a description");
            foreach (var parameter in endpoint.Route.RoutePattern.Parameters)
            {
                check.Require(operation.Parameters?.Any(p => p.Name == parameter.Name && p.In == ParameterLocation.Path) == true, $"path parameter {parameter.Name} missing");
            }

            if (endpoint.Route.RoutePattern.Parameters.Count > 0)
            {
                check.Require(responses.ContainsKey("404") || NoNotFoundForRouteValues.ContainsKey(endpoint.Key), "addresses an item but documents no 404");
                check.Require(responses.ContainsKey("400") || NoBadRequestForRouteValues.ContainsKey(endpoint.Key), "takes route values but documents no 400");
            }

            if (endpoint.Protected)
            {
                check.Require(responses.ContainsKey("401"), "needs a token but documents no 401");
                check.Require(operation.Security is { Count: > 0 }, "needs a token but names no security scheme");
                check.Require(!endpoint.RoleRequired || responses.ContainsKey("403"), "requires a role but documents no 403");
            }

            if (endpoint.Route.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is not null)
            {
                check.Require(operation.RequestBody?.Content is { Count: > 0 }, "takes an upload but documents no request body");
                check.Require(responses.ContainsKey("413"), "takes an upload but documents no 413");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // The check is only as good as the endpoint list it reads.
        Assert.True(Endpoints().Count > 70, "The endpoint data source lists fewer endpoints than the service maps.");
    }

    [Fact]
    public async Task Operation_ids_are_unique()
    {
        var (document, _) = await OpenApiDocuments.ReadAsync(api.CreateClient(), Ct);

        var ids = document.Paths!.Values.SelectMany(p => p.Operations!.Values).Select(o => o.OperationId).ToList();

        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public async Task The_answers_the_seeds_fix_have_the_seeds_bodies_as_examples()
    {
        var (document, _) = await OpenApiDocuments.ReadAsync(api.CreateClient(), Ct);
        var series = SeedDocuments.JsonBodies("series-results-api.txt");
        var quality = SeedDocuments.JsonBodies("quality-session-results.md");
        // The seeds' bodies in their order: series results 200, 202, 401, 403, 404, 400; quality session results 200, 404.
        Assert.Equal(6, series.Count);
        Assert.Equal(2, quality.Count);
        var (ok, accepted, unauthorized, denied, notUploaded, useCase) = (series[0], series[1], series[2], series[3], series[4], series[5]);
        var (sessionResults, noSession) = (quality[0], quality[1]);
        var expected = new (string Method, string Path, string Status, JsonNode Body)[]
        {
            ("GET", "/results/{series}", "200", ok),
            ("GET", "/results/{series}", "202", accepted),
            ("GET", "/results/{series}", "401", unauthorized),
            ("GET", "/results/{series}", "403", denied),
            ("GET", "/results/{series}", "404", notUploaded),
            ("GET", "/results/{series}", "400", useCase),
            ("GET", "/compute/{series}", "401", unauthorized),
            ("GET", "/compute/{series}", "403", denied),
            ("GET", "/compute/{series}", "404", notUploaded),
            ("POST", "/studies", "401", unauthorized),
            ("POST", "/studies", "403", denied),
            ("GET", "/results/files/{source_id}/{series}/{filename}", "403", denied),
            ("GET", "/api/results/{session_id}", "200", sessionResults),
            ("GET", "/api/results/{session_id}", "404", noSession),
            ("GET", "/api/results/{session_id}/measurements", "404", noSession),
            ("GET", "/api/sessions/{session_id}", "404", noSession),
            ("GET", "/api/download/{session_id}", "404", noSession),
        };

        foreach (var (method, path, status, body) in expected)
        {
            var response = document.Paths![path].Operations![HttpMethod.Parse(method)].Responses![status];
            var media = response.Content!["application/json"];
            Assert.True(media.Example is not null, $"{method} {path} {status}: no example");
            Assert.True(JsonNode.DeepEquals(body, media.Example), $"{method} {path} {status}: the example is not the seed's body:\n{media.Example}");
        }
    }

    private List<Endpoint> Endpoints() =>
    [
        .. api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => !ServiceDefaultsEndpoints.NotTheApi.Any(prefix => ("/" + e.RoutePattern.RawText!.TrimStart('/')).StartsWith(prefix, StringComparison.Ordinal)))
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(method => new Endpoint(method, e))),
    ];

    /// <summary>One method of one route endpoint, with what its metadata says about authorization.</summary>
    private sealed record Endpoint(string Method, RouteEndpoint Route)
    {
        public string Pattern => "/" + Route.RoutePattern.RawText!.TrimStart('/');

        public string Key => $"{Method} {Pattern}";

        /// <summary>The document's path: the pattern without the trailing slash some seed routes have (routing ignores it).</summary>
        public string DocumentPath => Pattern.Length > 1 ? Pattern.TrimEnd('/') : Pattern;

        public bool Protected => Route.Metadata.GetMetadata<IAllowAnonymous>() is null
            && (Route.Metadata.GetOrderedMetadata<IAuthorizeData>().Count > 0 || Route.Metadata.GetOrderedMetadata<AuthorizationPolicy>().Count > 0);

        public bool RoleRequired => Route.Metadata.GetOrderedMetadata<AuthorizationPolicy>().Any(p => p.Requirements.OfType<RolesAuthorizationRequirement>().Any())
            || Route.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => !string.IsNullOrEmpty(a.Roles));
    }
}
