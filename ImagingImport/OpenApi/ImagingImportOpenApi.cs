namespace Imaging.ImagingImport.OpenApi;

/// <summary>The OpenAPI document at /openapi/v1.json, complete for every endpoint (tests/ImagingImport.Tests/OpenApiDocumentTests.cs keeps it so).</summary>
public static class ImagingImportOpenApi
{
    public static IServiceCollection AddImagingImportOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer<ServiceKeySchemeTransformer>();
            options.AddOperationTransformer<ServiceKeyResponsesTransformer>();
            options.AddOperationTransformer<RetrievalExamplesTransformer>();
        });
}
