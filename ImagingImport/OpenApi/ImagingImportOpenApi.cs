using Microsoft.AspNetCore.OpenApi;

namespace Imaging.ImagingImport.OpenApi;

/// <summary>The OpenAPI document at /openapi/v1.json, complete for every endpoint (tests/ImagingImport.Tests/OpenApiDocumentTests.cs keeps it so).</summary>
public static class ImagingImportOpenApi
{
    /// <summary>ImagingImport's transformers, for <see cref="HttpApiDefaults.AddHttpApiDefaults"/> (which adds the examples after them).</summary>
    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer<ServiceKeySchemeTransformer>();
        options.AddOperationTransformer<ServiceKeyResponsesTransformer>();
    }
}
