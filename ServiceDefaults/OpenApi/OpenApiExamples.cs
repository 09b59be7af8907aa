using Microsoft.AspNetCore.Builder;

namespace Microsoft.Extensions.Hosting;

/// <summary>The one way an endpoint attaches examples to its OpenAPI operation; <see cref="ExamplesTransformer"/> places them.</summary>
public static class OpenApiExamples
{
    /// <summary>An example of the request body, as JSON text.</summary>
    public static RouteHandlerBuilder WithRequestExample(this RouteHandlerBuilder builder, string json) =>
        builder.WithMetadata(new DocumentedExample(null, json));

    /// <summary>An example of the response body with <paramref name="statusCode"/>, as JSON text.</summary>
    public static RouteHandlerBuilder WithResponseExample(this RouteHandlerBuilder builder, int statusCode, string json) =>
        builder.WithMetadata(new DocumentedExample(statusCode, json));
}
