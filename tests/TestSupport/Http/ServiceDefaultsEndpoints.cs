namespace Imaging.TestSupport.Http;

/// <summary>The endpoints ServiceDefaults maps on every service (probes, the OpenAPI document, its reference page).</summary>
public static class ServiceDefaultsEndpoints
{
    /// <summary>Path starts of the endpoints that are not the service's API.</summary>
    public static readonly string[] NotTheApi = ["/health", "/alive", "/openapi", "/scalar"];

    /// <summary>"METHOD pattern" (method * for any) of each of them, open on purpose, with the reason.</summary>
    public static readonly IReadOnlyDictionary<string, string> OpenByDesign = new Dictionary<string, string>
    {
        ["* /health"] = "readiness probe of the orchestrator; reports dependency states, no data",
        ["* /alive"] = "liveness probe of the orchestrator",
        ["GET /openapi/{documentName}.json"] = "the API description, no data",
        ["GET /scalar/{documentName?}"] = "the API reference page, no data",
        ["GET /scalar/scalar.js"] = "a static script of the API reference page",
        ["GET /scalar/scalar.aspnetcore.js"] = "a static script of the API reference page",
        ["GET /scalar/favicon.svg"] = "the API reference page's icon",
    };
}
