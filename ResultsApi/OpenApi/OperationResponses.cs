namespace Imaging.ResultsApi.OpenApi;

/// <summary>Finds or adds an operation's response for a status code, and its content of one media type.</summary>
internal static class OperationResponses
{
    public static OpenApiResponse Get(OpenApiOperation operation, int statusCode, string description)
    {
        operation.Responses ??= [];
        var key = statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses.TryGetValue(key, out var existing) && existing is OpenApiResponse response)
        {
            return response;
        }

        response = new OpenApiResponse { Description = description };
        operation.Responses[key] = response;
        return response;
    }

    /// <summary>Adds <paramref name="contentType"/> with <paramref name="schema"/> unless the response already has that media type with a schema.</summary>
    public static void EnsureContent(OpenApiResponse response, string contentType, IOpenApiSchema schema)
    {
        response.Content ??= new Dictionary<string, OpenApiMediaType>();
        if (!response.Content.TryGetValue(contentType, out var media))
        {
            response.Content[contentType] = new OpenApiMediaType { Schema = schema };
        }
        else
        {
            media.Schema ??= schema;
        }
    }
}
