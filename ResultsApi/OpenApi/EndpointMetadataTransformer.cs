using Microsoft.AspNetCore.OpenApi;

namespace Imaging.ResultsApi.OpenApi;

/// <summary>
/// Writes what endpoints declare with <see cref="OpenApiEndpointExtensions"/> into their operations: bodies without a
/// C# type, request headers and query parameters, security schemes checked in handlers, and examples.
/// </summary>
internal sealed class EndpointMetadataTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        foreach (var body in metadata.OfType<DocumentedBody>())
        {
            var media = new OpenApiMediaType { Schema = Schema(body) };
            if (body.StatusCode is { } status)
            {
                var response = OperationResponses.Get(operation, status, body.Description);
                response.Content ??= new Dictionary<string, OpenApiMediaType>();
                response.Content[body.ContentType] = media;
            }
            else
            {
                operation.RequestBody ??= new OpenApiRequestBody
                {
                    Required = true,
                    Description = body.Description,
                    Content = new Dictionary<string, OpenApiMediaType>(),
                };
                operation.RequestBody.Content![body.ContentType] = media;
            }
        }

        foreach (var parameter in metadata.OfType<DocumentedParameter>())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = parameter.Name,
                In = parameter.In,
                Required = parameter.Required,
                Description = parameter.Description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }

        foreach (var security in metadata.OfType<DocumentedSecurity>())
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(security.Scheme, context.Document)] = [] });
        }

        return Task.CompletedTask;
    }

    private static OpenApiSchema Schema(DocumentedBody body) => body switch
    {
        { FormFields: { } fields } => new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = body.Description,
            Properties = fields.ToDictionary(f => f.Split(':')[0], FieldSchema),
        },
        { Type: JsonSchemaType.String } => new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Format = "binary",
            Description = body.Description,
        },
        { Type: JsonSchemaType.Array } => new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Items = new OpenApiSchema { Type = JsonSchemaType.Object },
            Description = body.Description,
        },
        _ => new OpenApiSchema
        {
            Type = body.Type,
            Description = body.Description,
        },
    };

    /// <summary>"name" is a file, "name[]" several files, "name:text" a text field.</summary>
    private static IOpenApiSchema FieldSchema(string field) => field switch
    {
        _ when field.EndsWith(":text", StringComparison.Ordinal) => new OpenApiSchema { Type = JsonSchemaType.String },
        _ when field.EndsWith("[]", StringComparison.Ordinal) => new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Items = Binary(),
        },
        _ => Binary(),
    };

    private static OpenApiSchema Binary() => new()
    {
        Type = JsonSchemaType.String,
        Format = "binary",
    };
}
