namespace Imaging.ResultsApi.OpenApi;

/// <summary>
/// Short ways for an endpoint to describe what the generator cannot infer from its handler's typed results: the status
/// codes of its problem details, seed bodies, files and multipart answers, headers and examples. The API's own conventions (authorization, rate limits, upload limits,
/// database faults) are added for every endpoint by <see cref="StandardResponsesTransformer"/>.
/// </summary>
public static class OpenApiEndpointExtensions
{
    /// <summary>Problem details (application/problem+json) for each of <paramref name="statusCodes"/>.</summary>
    public static RouteHandlerBuilder ProducesProblems(this RouteHandlerBuilder builder, params int[] statusCodes)
    {
        foreach (var status in statusCodes)
        {
            builder.WithMetadata(new DocumentedProblem(status));
        }

        return builder;
    }

    /// <summary>Problem details for <paramref name="statusCode"/>, with when the answer comes.</summary>
    public static RouteHandlerBuilder ProducesError(this RouteHandlerBuilder builder, int statusCode, string description) =>
        builder.WithMetadata(new DocumentedProblem(statusCode, description));

    /// <summary>A file answer of <paramref name="contentType"/>: 200, and with <paramref name="ranges"/> the Range header, 206 and 416.</summary>
    public static RouteHandlerBuilder ProducesFile(this RouteHandlerBuilder builder, string contentType, string description, bool ranges = true)
    {
        builder.WithMetadata(new DocumentedBody(StatusCodes.Status200OK, contentType, JsonSchemaType.String, description));
        if (ranges)
        {
            builder.WithMetadata(new DocumentedBody(StatusCodes.Status206PartialContent, contentType, JsonSchemaType.String, "The requested byte range of the file."))
                .WithHeader("Range", "Bytes of the file to send, such as 'bytes=0-1023'; the answer is then 206 with Content-Range.")
                .WithHeader("If-Range", "An ETag or date: the range is sent only while the file is unchanged, otherwise the whole file.")
                .ProducesError(StatusCodes.Status416RangeNotSatisfiable, "The range lies outside the file.");
        }

        return builder;
    }

    /// <summary>A response body without a C# type (DICOM JSON, a seed's free-form document, a file).</summary>
    public static RouteHandlerBuilder ProducesBody(this RouteHandlerBuilder builder, int statusCode, string contentType, JsonSchemaType type, string description) =>
        builder.WithMetadata(new DocumentedBody(statusCode, contentType, type, description));

    /// <summary>A multipart/form-data request body with <paramref name="fields"/>: "name" a file, "name[]" several files, "name:text" a text field.</summary>
    public static RouteHandlerBuilder AcceptsForm(this RouteHandlerBuilder builder, string description, params string[] fields) =>
        builder.WithMetadata(new DocumentedBody(null, "multipart/form-data", JsonSchemaType.Object, description, fields));

    /// <summary>A raw request body of <paramref name="contentType"/> that the handler streams itself.</summary>
    public static RouteHandlerBuilder AcceptsRaw(this RouteHandlerBuilder builder, string contentType, string description) =>
        builder.WithMetadata(new DocumentedBody(null, contentType, JsonSchemaType.String, description));

    /// <summary>A request header the handler reads itself.</summary>
    public static TBuilder WithHeader<TBuilder>(this TBuilder builder, string name, string description, bool required = false)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new DocumentedParameter(name, ParameterLocation.Header, description, required));

    /// <summary>A query parameter the handler reads from the query string itself.</summary>
    public static TBuilder WithQueryParameter<TBuilder>(this TBuilder builder, string name, string description)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new DocumentedParameter(name, ParameterLocation.Query, description, false));

    /// <summary>The endpoint checks credentials of <paramref name="scheme"/> in its handler.</summary>
    public static TBuilder WithSecurityScheme<TBuilder>(this TBuilder builder, string scheme) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedSecurity(scheme));
}
