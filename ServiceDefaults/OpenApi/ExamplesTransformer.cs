using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Puts each <see cref="DocumentedExample"/> of an endpoint on the JSON media type of its request body or response (the
/// first media type when none is JSON). <see cref="HttpApiDefaults.AddHttpApiDefaults"/> adds it after a service's own
/// transformers, so the responses they add exist.
/// </summary>
internal sealed class ExamplesTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var example in context.Description.ActionDescriptor.EndpointMetadata.OfType<DocumentedExample>())
        {
            var content = example.StatusCode is { } status
                ? (operation.Responses?.GetValueOrDefault(status.ToString(System.Globalization.CultureInfo.InvariantCulture)) as OpenApiResponse)?.Content
                : operation.RequestBody?.Content;
            var media = content?.Where(c => c.Key.EndsWith("json", StringComparison.Ordinal)).Select(c => c.Value).FirstOrDefault() ?? content?.Values.FirstOrDefault();
            if (media is null)
            {
                throw new InvalidOperationException($"{operation.OperationId}: an example for {example.StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "the request"}, which the operation does not document.");
            }

            media.Example = JsonNode.Parse(example.Json);
        }

        return Task.CompletedTask;
    }
}
