using Microsoft.AspNetCore.OpenApi;

namespace Imaging.ResultsApi.OpenApi;

/// <summary>The document's title and description, the two ways callers prove who they are, and the problem details schema.</summary>
internal sealed class SecuritySchemesTransformer : IOpenApiDocumentTransformer
{
    /// <summary>Users and service accounts: the access token of POST /api/v1/userlogin/login.</summary>
    public const string Bearer = "Bearer";

    /// <summary>The vendor-style series results API: 'Authorization: Token …' with a source API token, and the Source header.</summary>
    public const string SourceToken = "SourceToken";

    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Imaging Results API";
        document.Info.Description = "Exams, workflows, tasks and their results; raw data and its reconstruction; DICOMweb; the vendor-style series "
            + "results API; image quality sessions. Errors are problem details (RFC 9457) with a title saying what was wrong and a detail saying "
            + "what to do, except where the source platform's API fixes its own bodies (the series results and quality session results).";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The access_token answered by POST /api/v1/userlogin/login, as 'Authorization: Bearer <token>'. It expires after a "
                + "while unused and at the latest after the absolute timeout; log in again then.",
        };
        document.Components.SecuritySchemes[SourceToken] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "Authorization",
            Description = "A source API token as 'Authorization: Token <token>' (made by an admin with POST /api/v1/sources/tokens), "
                + "sent with the header 'Source: <source name>'.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey(nameof(ProblemDetails)))
        {
            document.Components.Schemas[nameof(ProblemDetails)] = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken);
        }
    }
}
