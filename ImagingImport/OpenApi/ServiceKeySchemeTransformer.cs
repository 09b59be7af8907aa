using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Imaging.ImagingImport.OpenApi;

/// <summary>The document's title and description, the X-Service-Key scheme, and the problem details schema every error refers to.</summary>
internal sealed class ServiceKeySchemeTransformer : IOpenApiDocumentTransformer
{
    public const string ServiceKey = "ServiceKey";

    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Imaging Import API";
        document.Info.Description = "Imports cohorts of studies from the source PACS into XNAT projects, and reports their import states "
            + "(seed: imaging-import-retrieval). A cohort is a JSON query, base64url-encoded, as encoded_query. Errors are problem "
            + "details (RFC 9457) with a title saying what was wrong and a detail saying what to do.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ServiceKey] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Service-Key",
            Description = "The service key of this deployment (configuration Import:ServiceKey), as the X-Service-Key header.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey(nameof(ProblemDetails)))
        {
            document.Components.Schemas[nameof(ProblemDetails)] = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken);
        }
    }
}
