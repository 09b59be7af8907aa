namespace Imaging.ImagingImport.OpenApi;

/// <summary>Examples of the retrieval API's answers (the seed shows no bodies of its own); each endpoint attaches its own with WithResponseExample.</summary>
public static class RetrievalExamples
{
    public const string ProjectRetrieval = """
        {"project_creation_completed": true, "import_status": {"successful_count": 118, "failed_count": 2, "processing_count": 1, "queued_count": 9, "queue_failed_count": 0}}
        """;

    public const string ReimportQueued = """{"message": "Reimport queued", "projectId": "LUNG_CT_2026", "queued": 2}""";

    public const string ImportQueued = """
        {"message": "Import queued", "projectId": "LUNG_CT_2026", "project_created": true, "queued": 130, "already_tracked": 0}
        """;

    public const string CohortTooSmall = """
        {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.4", "title": "Cohort too small", "status": 403,
         "detail": "The query selects 2 studies; at least 10 are needed, as small cohorts identify people. Nothing was imported; widen the query."}
        """;

    public const string StudyPage = """
        {"total": 130, "limit": 100, "offset": 0, "items": [{"study_instance_uid": "1.2.826.0.1.3680043.8.498.1", "accession_number": "A1001",
         "subject": "S-3F9A1C", "status": "failed", "attempts": 8, "last_error": "XNAT answered 503.", "next_attempt_at": null, "imported_at": null,
         "imported_as": "service_account"}]}
        """;

    /// <summary>Every example by operationId and status, for the test that finds each in the document.</summary>
    public static readonly Dictionary<(string OperationId, int Status), string> Responses = new()
    {
        [("get_import_status_count", StatusCodes.Status200OK)] = ProjectRetrieval,
        [("reimport_imaging_project_studies", StatusCodes.Status202Accepted)] = ReimportQueued,
        [("import_cohort", StatusCodes.Status202Accepted)] = ImportQueued,
        [("list_project_studies", StatusCodes.Status200OK)] = StudyPage,
        [("import_cohort", StatusCodes.Status403Forbidden)] = CohortTooSmall,
    };
}
