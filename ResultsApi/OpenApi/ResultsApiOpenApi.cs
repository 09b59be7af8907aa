using Microsoft.AspNetCore.OpenApi;

namespace Imaging.ResultsApi.OpenApi;

/// <summary>The OpenAPI document at /openapi/v1.json, complete for every endpoint (tests/ResultsApi.Tests/OpenApiDocumentTests.cs keeps it so).</summary>
public static class ResultsApiOpenApi
{
    /// <summary>ResultsApi's transformers, for <see cref="HttpApiDefaults.AddHttpApiDefaults"/> (which adds the examples after them).</summary>
    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer<SecuritySchemesTransformer>();
        options.AddOperationTransformer<EndpointMetadataTransformer>();
        options.AddOperationTransformer<StandardResponsesTransformer>();
        options.AddOperationTransformer<ParameterDescriptionsTransformer>();
    }
}
