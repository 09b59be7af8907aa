using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Imaging.ImagingImport.OpenApi;

/// <summary>Puts <see cref="RetrievalExamples"/> on the answers they belong to.</summary>
internal sealed class RetrievalExamplesTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var ((id, status), json) in RetrievalExamples.Responses.Where(e => e.Key.OperationId == operation.OperationId))
        {
            var content = (operation.Responses?.GetValueOrDefault(status.ToString(CultureInfo.InvariantCulture)) as OpenApiResponse)?.Content
                ?? throw new InvalidOperationException($"{id}: an example for {status}, which the operation does not document.");
            content.Values.First().Example = JsonNode.Parse(json);
        }

        return Task.CompletedTask;
    }
}
