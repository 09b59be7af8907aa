using Imaging.ImagingImport.Apis;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Imaging.ImagingImport.OpenApi;

/// <summary>
/// What every retrieval endpoint answers because of how the service is built: the service key (security scheme and
/// 401) where the endpoint requires it, and 503 while the database is unreachable. Also describes the query
/// parameters, which mean the same on every endpoint.
/// </summary>
internal sealed class ServiceKeyResponsesTransformer : IOpenApiOperationTransformer
{
    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        ["project_id"] = "The XNAT project id: 1 to 64 letters, digits, '-' and '_'.",
        ["encoded_query"] = "The cohort query as JSON, base64url-encoded (padding optional). The same query names the same cohort in every call.",
        ["create_project"] = "true: create the XNAT project when it does not exist (404 otherwise).",
        ["status"] = "Only studies in this state: successful, failed, processing, queued or queue_failed.",
        ["limit"] = "How many studies to answer at most (1 to 1000; 100 when not given).",
        ["offset"] = "How many studies to skip, for paging.",
    };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var problem = new OpenApiSchemaReference(nameof(ProblemDetails), context.Document);
        operation.Responses ??= [];
        void Problem(int status, string description)
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!operation.Responses.ContainsKey(key))
            {
                operation.Responses[key] = new OpenApiResponse
                {
                    Description = description,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = problem } },
                };
            }
        }

        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<ServiceKeyRequired>().Any())
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ServiceKeySchemeTransformer.ServiceKey, context.Document)] = [] });
            Problem(StatusCodes.Status401Unauthorized, "No or a wrong service key: send this deployment's key as the X-Service-Key header.");
        }

        Problem(StatusCodes.Status503ServiceUnavailable, "The service cannot reach its database; nothing was changed. Try again later.");

        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (string.IsNullOrEmpty(parameter.Description) && parameter.Name is { } name && Descriptions.TryGetValue(name, out var description))
            {
                parameter.Description = description;
            }
        }

        return Task.CompletedTask;
    }
}
