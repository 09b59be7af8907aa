using Microsoft.AspNetCore.OpenApi;

namespace Imaging.ResultsApi.OpenApi;

/// <summary>
/// Describes path and query parameters by name: the API uses each name for one thing throughout, so one list covers
/// every endpoint. A parameter missing here stays undescribed, which the OpenAPI document tests report.
/// </summary>
internal sealed class ParameterDescriptionsTransformer : IOpenApiOperationTransformer
{
    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        ["exam_id"] = "The exam's id, a UUID.",
        ["workflow_id"] = "The workflow's id: a UUID under /api/v1/exam, a positive integer (a workflow definition) under /api/v1/workflow.",
        ["task_id"] = "The task's id, a UUID.",
        ["result_id"] = "The result's id, a UUID.",
        ["record_id"] = "The raw-data record's id, a positive integer.",
        ["template_id"] = "The exam template to copy, a UUID.",
        ["token_id"] = "The source API token's id, a UUID.",
        ["session_id"] = "The quality session's id, a UUID (answered by POST /api/analyze/device).",
        ["source_id"] = "The source's id, a UUID.",
        ["filename"] = "A file name: letters, digits, '.', '-' and '_', no path.",
        ["file_name"] = "A target image's file name, as uploaded.",
        ["series"] = "A Series Instance UID: digits and dots, at most 64 characters.",
        ["study"] = "A Study Instance UID: digits and dots, at most 64 characters.",
        ["instance"] = "A SOP Instance UID: digits and dots, at most 64 characters. On /api/v1/workflow/image: the 1-based instance number.",
        ["sop"] = "A SOP Instance UID: digits and dots, at most 64 characters.",
        ["frames"] = "1-based frame numbers, separated by commas (such as 1,3,5).",
        ["patient_id"] = "Only the exams of this patient id.",
        ["limit"] = "How many items to answer at most.",
        ["offset"] = "How many items to skip, for paging.",
        ["target"] = "The test target that was scanned; the error for an unknown one lists the known targets.",
        ["expires"] = "The signed link's expiry (Unix seconds), as the link has it.",
        ["signature"] = "The signed link's signature, as the link has it.",
    };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
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
