using System.Text.RegularExpressions;
using Imaging.ImagingImport.Apis;
using Imaging.TestSupport.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace ImagingImport.Tests;

/// <summary>
/// Every endpoint ImagingImport maps, read from its EndpointDataSource, takes the service key (X-Service-Key) unless it is
/// listed here as open with the reason; without the key, or with a wrong one, each answers 401. Every answer has the
/// security headers of ServiceDefaults.
/// </summary>
public sealed partial class EndpointSecurityTests(ImportFactory import) : IClassFixture<ImportFactory>
{
    /// <summary>"METHOD pattern" (method * for any) of every endpoint open on purpose: only ServiceDefaults' own.</summary>
    private static readonly IReadOnlyDictionary<string, string> OpenByDesign = ServiceDefaultsEndpoints.OpenByDesign;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void The_endpoints_without_the_service_key_are_exactly_the_ones_open_by_design()
    {
        var open = Endpoints().Where(e => !e.Protected).Select(e => e.Key).Order(StringComparer.Ordinal).ToList();

        Assert.True(OpenByDesign.Keys.Order(StringComparer.Ordinal).SequenceEqual(open), "Open endpoints:\n" + string.Join("\n", open));
        // The retrieval API of the seed is behind the key.
        Assert.Contains(Endpoints(), e => e.Protected && e.Key == "GET /retrieval/import_status_count/{project_id}");
        Assert.Contains(Endpoints(), e => e.Protected && e.Key == "PUT /retrieval/reimport_imaging_project_studies/{project_id}");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("wrong")]
    [InlineData(ImportFactory.ServiceKey + "x")]
    [InlineData("SERVICE KEY FOR THE IMPORT TESTS")]
    public async Task Every_endpoint_behind_the_key_answers_401_without_the_right_key(string? key)
    {
        List<string> failures = [];
        foreach (var endpoint in Endpoints().Where(e => e.Protected))
        {
            var path = ParameterPattern().Replace(endpoint.Pattern, "project-1") + "?encoded_query=" + Convert.ToBase64String("{}"u8.ToArray());
            using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), path);
            if (key is not null)
            {
                request.Headers.Add("X-Service-Key", key);
            }

            using var response = await import.CreateClient().SendAsync(request, Ct);
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                failures.Add($"{endpoint.Key}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("/alive", HttpStatusCode.OK)]
    [InlineData("/retrieval/studies/project-1", HttpStatusCode.Unauthorized)]
    [InlineData("/no/such/path", HttpStatusCode.NotFound)]
    [InlineData("/openapi/v1.json", HttpStatusCode.OK)]
    public async Task Every_answer_carries_the_security_headers(string path, HttpStatusCode status)
    {
        using var response = await import.CreateClient().GetAsync(path, Ct);

        Assert.Equal(status, response.StatusCode);
        Assert.Empty(SecurityHeaderChecks.Problems(response, SecurityDefaults.ApiContentSecurityPolicy));
    }

    private List<(string Method, string Pattern, string Key, bool Protected)> Endpoints() =>
    [
        .. import.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().SelectMany(e =>
            (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(method =>
            {
                var pattern = "/" + e.RoutePattern.RawText!.TrimStart('/');
                return (method, pattern, $"{method} {pattern}", e.Metadata.GetMetadata<ServiceKeyRequired>() is not null);
            })),
    ];

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex ParameterPattern();
}
