using System.Text.Json.Serialization;

namespace Imaging.ResultsApi.OpenApi;

/// <summary>
/// The shapes of the bodies the seeds fix (series-results-api, quality-session-results), for the document only: the
/// handlers write them as they are, with the seed's own field names, not the API's snake_case.
/// </summary>
public static class SeedBodies
{
    /// <summary>success and message: 202, 403, 404 and other answers.</summary>
    public sealed record VendorMessage(
        [property: JsonPropertyName("success")] bool Success,
        [property: JsonPropertyName("message")] string Text);

    /// <summary>401: no or a wrong token.</summary>
    public sealed record VendorUnauthorized(
        [property: JsonPropertyName("message")] string Message,
        [property: JsonPropertyName("next")] string Next,
        [property: JsonPropertyName("authenticated")] bool Authenticated);

    /// <summary>200: the result files as signed links, valid for a limited time.</summary>
    public sealed record SeriesResults(
        [property: JsonPropertyName("success")] bool Success,
        [property: JsonPropertyName("message")] string Message,
        [property: JsonPropertyName("triage_status")] string TriageStatus,
        [property: JsonPropertyName("result")] SeriesResultFiles Result,
        [property: JsonPropertyName("usecase")] string Usecase);

    /// <summary>The files of each kind (sc, pdf, sr, sc_key_slices, seg, gsps, json, pr, hl7, encapsulated_pdf) as links.</summary>
    public sealed record SeriesResultFiles([property: JsonPropertyName("files")] Dictionary<string, List<string>> Files);

    /// <summary>400 (no use case for the series) and 422 (the analysis failed; call /compute again).</summary>
    public sealed record SeriesNotAnalysed(
        [property: JsonPropertyName("success")] bool Success,
        [property: JsonPropertyName("message")] string Message,
        [property: JsonPropertyName("seriesInstanceUID")] string SeriesInstanceUid,
        [property: JsonPropertyName("accessionNumber")] string AccessionNumber,
        [property: JsonPropertyName("debug_info")] SeriesDebugInfo DebugInfo,
        [property: JsonPropertyName("result")] JsonElement Result);

    public sealed record SeriesDebugInfo([property: JsonPropertyName("reason")] string Reason);

    /// <summary>
    /// POST /studies: each file's outcome and the series it added to, with their instance counts. A request refused as a
    /// whole (not a form, no file fields) answers only success and message.
    /// </summary>
    public sealed record StudiesUpload(
        [property: JsonPropertyName("success")] bool Success,
        [property: JsonPropertyName("message")] string Message,
        [property: JsonPropertyName("files")] List<StudiesUploadedFile>? Files,
        [property: JsonPropertyName("series")] List<StudiesSeriesCount>? Series);

    /// <summary>One form field's file: stored with its UIDs, or not stored with the reason.</summary>
    public sealed record StudiesUploadedFile(
        [property: JsonPropertyName("field")] string Field,
        [property: JsonPropertyName("filename")] string FileName,
        [property: JsonPropertyName("stored")] bool Stored,
        [property: JsonPropertyName("sopInstanceUID")] string? SopInstanceUid,
        [property: JsonPropertyName("seriesInstanceUID")] string? SeriesInstanceUid,
        [property: JsonPropertyName("reason")] string? Reason);

    public sealed record StudiesSeriesCount(
        [property: JsonPropertyName("seriesInstanceUID")] string SeriesInstanceUid,
        [property: JsonPropertyName("instances")] int Instances);

    /// <summary>The quality session seed's 404.</summary>
    public sealed record SessionError([property: JsonPropertyName("error")] string Error);
}
