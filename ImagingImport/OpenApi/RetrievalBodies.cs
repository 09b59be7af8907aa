using System.Text.Json.Serialization;

namespace Imaging.ImagingImport.OpenApi;

/// <summary>
/// The retrieval API's answers, with the seed's field names (its ProjectRetrieval and JSON responses): the handlers
/// return them, and the OpenAPI document describes them from the handlers' signatures.
/// </summary>
public static class RetrievalBodies
{
    /// <summary>GET /retrieval/import_status_count/{project_id}: the seed's ProjectRetrieval.</summary>
    public sealed record ProjectRetrieval(
        [property: JsonPropertyName("project_creation_completed")] bool ProjectCreationCompleted,
        [property: JsonPropertyName("import_status")] ImportStatusCounts ImportStatus);

    public sealed record ImportStatusCounts(
        [property: JsonPropertyName("successful_count")] int SuccessfulCount,
        [property: JsonPropertyName("failed_count")] int FailedCount,
        [property: JsonPropertyName("processing_count")] int ProcessingCount,
        [property: JsonPropertyName("queued_count")] int QueuedCount,
        [property: JsonPropertyName("queue_failed_count")] int QueueFailedCount);

    /// <summary>PUT /retrieval/reimport_imaging_project_studies/{project_id}: how many failed studies were queued again.</summary>
    public sealed record ReimportQueued(
        [property: JsonPropertyName("message")] string Message,
        [property: JsonPropertyName("projectId")] string ProjectId,
        [property: JsonPropertyName("queued")] int Queued);

    /// <summary>POST /retrieval/import/{project_id}: the cohort's new studies queued, the ones already tracked left as they are.</summary>
    public sealed record ImportQueued(
        [property: JsonPropertyName("message")] string Message,
        [property: JsonPropertyName("projectId")] string ProjectId,
        [property: JsonPropertyName("project_created")] bool ProjectCreated,
        [property: JsonPropertyName("queued")] int Queued,
        [property: JsonPropertyName("already_tracked")] int AlreadyTracked);

    /// <summary>GET /retrieval/studies/{project_id}: one page of the project's studies.</summary>
    public sealed record StudyPage(
        [property: JsonPropertyName("total")] int Total,
        [property: JsonPropertyName("limit")] int Limit,
        [property: JsonPropertyName("offset")] int Offset,
        [property: JsonPropertyName("items")] List<StudyItem> Items);

    public sealed record StudyItem(
        [property: JsonPropertyName("study_instance_uid")] string StudyInstanceUid,
        [property: JsonPropertyName("accession_number")] string? AccessionNumber,
        [property: JsonPropertyName("subject")] string? Subject,
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("attempts")] int Attempts,
        [property: JsonPropertyName("last_error")] string? LastError,
        [property: JsonPropertyName("next_attempt_at")] DateTimeOffset? NextAttemptAt,
        [property: JsonPropertyName("imported_at")] DateTimeOffset? ImportedAt,
        [property: JsonPropertyName("imported_as")] string ImportedAs);
}
