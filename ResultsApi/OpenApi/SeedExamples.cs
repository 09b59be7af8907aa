namespace Imaging.ResultsApi.OpenApi;

/// <summary>
/// The bodies the seed documents fix, copied from them unchanged (shared/seeds/series-results-api.txt and
/// quality-session-results.md), as the examples of the answers they belong to. OpenApiDocumentTests compares them
/// with the seeds, so a copy that drifts fails.
/// </summary>
internal static class SeedExamples
{
    public const string SeriesResults = """
        {
            "success": true,
            "message": "Results retrieved successfully!",
            "triage_status": "<triage_status>",
            "result": {
                "files": {
                    "sc": ["https://exampleurl.com/1", "https://exampleurl.com/2", "...", "https://exampleurl.com/n"],
                    "pdf": ["https://exampleurl.com"],
                    "sr": ["https://exampleurl.com"],
                    "sc_key_slices": ["https://exampleurl.com/1", "https://exampleurl.com/2", "...", "https://exampleurl.com/n"],
                    "seg": ["https://exampleurl.com"],
                    "gsps": ["https://exampleurl.com/1", "https://exampleurl.com/2", "...", "https://exampleurl.com/n"],
                    "json": ["https://exampleurl.com"],
                    "pr": ["https://exampleurl.com"],
                    "hl7": ["https://exampleurl.com"],
                    "encapsulated_pdf": ["https://exampleurl.com"]
                }
            },
            "usecase": "qct"
        }
        """;

    public const string SeriesUnderProcess = """
        {
            "success": false,
            "message": "Resource with sopInstanceUID <SOPInstanceUID> is under process. Please check back in some time."
        }
        """;

    public const string SeriesUnauthorized = """
        {
            "message": "Invalid token header. No credentials provided.",
            "next": "/accounts/login/",
            "authenticated": false
        }
        """;

    public const string SeriesAccessDenied = """
        {
            "success": false,
            "message": "Access denied!"
        }
        """;

    public const string SeriesNotUploaded = """
        {
            "success": false,
            "message": "Resource with sopInstanceUID <SOPInstanceUID> is not yet uploaded!"
        }
        """;

    public const string SeriesUseCaseNotImplemented = """
        {
            "success": false,
            "message": "Use case not implemented",
            "seriesInstanceUID": "<series_instance_uid>",
            "accessionNumber": "<accession_number>",
            "debug_info": {
                "reason": "Validity not determined yet!"
            },
            "result": {}
        }
        """;

    public const string SessionDoesNotExist = """
        {
            "error": "session does not exist"
        }
        """;

    /// <summary>The quality session seed's sample 200: every level of both target images passed.</summary>
    public static string SessionResults { get; } = BuildSessionResults();

    private static string BuildSessionResults()
    {
        // The seed repeats one level's body six times (two images, levels C, B and A); written once here, in the seed's order.
        const string level = """
            {
                "completed": true,
                "results": {
                    "passed": true,
                    "TonalReproduction": {"Delta_C": "succeeded", "Delta_E": "succeeded", "Lab_L": "succeeded", "Max_Gain_Modulation_L": "succeeded", "Min_Gain_Modulation_L": "succeeded"},
                    "Resolution": {"MTF10": "succeeded", "MTF50": "succeeded", "Max_Misregistration": "succeeded", "Max_Modulation": "succeeded", "Min_Sampling_Efficiency": "succeeded", "Obt_Sampling_Rate": "succeeded"},
                    "Color": {"Max_Delta_C": "succeeded", "Max_Delta_E": "succeeded", "Max_Delta_H": "succeeded", "Max_Delta_L": "succeeded", "Mean_Delta_C": "succeeded", "Mean_Delta_E": "succeeded", "Mean_Delta_H": "succeeded", "Mean_Delta_L": "succeeded"},
                    "Shading": {"Max_Delta_Gray": "succeeded", "Max_Delta_White": "succeeded"},
                    "Distortion": {"Max_Distortion": "succeeded"},
                    "Lines": {"Max_Out_Black": "succeeded", "Max_Out_Gray": "succeeded", "Max_Out_White": "succeeded"},
                    "Noise": {"Visual_Noise": "succeeded"}
                }
            }
            """;
        string Image(string tag) => $$"""{"C": {{level}}, "B": {{level}}, "A": {{level}}, "image_tag": "{{tag}}", "overall_score": "A"}""";
        return $$"""{"UTT.tif": {{Image("before_target")}}, "e86a-UTT.tif": {{Image("after_target")}}}""";
    }
}
