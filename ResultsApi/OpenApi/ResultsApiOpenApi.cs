namespace Imaging.ResultsApi.OpenApi;

/// <summary>The OpenAPI document at /openapi/v1.json, complete for every endpoint (tests/ResultsApi.Tests/OpenApiDocumentTests.cs keeps it so).</summary>
public static class ResultsApiOpenApi
{
    public static IServiceCollection AddResultsApiOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer<SecuritySchemesTransformer>();
            options.AddOperationTransformer<EndpointMetadataTransformer>();
            options.AddOperationTransformer<StandardResponsesTransformer>();
            options.AddOperationTransformer<ParameterDescriptionsTransformer>();
            // Last: examples go on the responses the transformers before it added.
            options.AddOperationTransformer<ExamplesTransformer>();
        });
}
