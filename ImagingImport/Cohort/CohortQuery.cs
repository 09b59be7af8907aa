using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Imaging.ImagingImport.Cohort;

/// <summary>Why a cohort query was refused: a person reads it in the 400's problem details.</summary>
public sealed class CohortQueryException(string message) : Exception(message);

/// <summary>
/// A research cohort: the studies of a source PACS selected by the standard QIDO-RS study keys. Sent base64url-encoded
/// (padding optional, as the seed's base64_url_decode restores it) as JSON:
/// <code>{"accession_numbers": ["A1"], "patient_ids": ["P1"], "modalities": ["CT", "MR"],
///   "study_date_from": "20240101", "study_date_to": "20241231", "study_description": "CHEST*"}</code>
/// Every key is optional but at least one of them must select something; lists are ORed, keys ANDed.
/// </summary>
public sealed record CohortQuery
{
    public const int MaxListLength = 10_000;

    [JsonPropertyName("accession_numbers")]
    public IReadOnlyList<string> AccessionNumbers { get; init; } = [];

    [JsonPropertyName("patient_ids")]
    public IReadOnlyList<string> PatientIds { get; init; } = [];

    [JsonPropertyName("modalities")]
    public IReadOnlyList<string> Modalities { get; init; } = [];

    [JsonPropertyName("study_date_from")]
    public string? StudyDateFrom { get; init; }

    [JsonPropertyName("study_date_to")]
    public string? StudyDateTo { get; init; }

    [JsonPropertyName("study_description")]
    public string? StudyDescription { get; init; }

    private static readonly JsonSerializerOptions Json = new() { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, MaxDepth = 4 };

    /// <summary>base64url text, with or without padding (RFC 4648 §5); the decoded bytes must be UTF-8.</summary>
    public static string DecodeBase64Url(string encoded)
    {
        var text = encoded.Trim();
        if (text.Length == 0)
        {
            throw new CohortQueryException("The encoded query is empty.");
        }

        // The seed's base64_url_decode adds the '=' padding a URL often drops; Base64Url accepts either form.
        var trimmed = text.TrimEnd('=');
        if (trimmed.Length % 4 == 1 || !Base64Url.IsValid(trimmed.AsSpan()))
        {
            throw new CohortQueryException("The encoded query is not base64url (RFC 4648 §5: letters, digits, '-' and '_').");
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Base64Url.DecodeFromChars(trimmed.AsSpan()));
        }
        catch (DecoderFallbackException)
        {
            throw new CohortQueryException("The encoded query does not decode to UTF-8 text.");
        }
    }

    /// <summary>Decodes, parses and checks a query; throws <see cref="CohortQueryException"/> with the reason.</summary>
    public static CohortQuery Parse(string encoded) => FromJson(DecodeBase64Url(encoded));

    /// <summary>Parses and checks the decoded JSON of a query.</summary>
    public static CohortQuery FromJson(string text)
    {
        CohortQuery? query;
        try
        {
            query = JsonSerializer.Deserialize<CohortQuery>(text, Json);
        }
        catch (JsonException invalid)
        {
            throw new CohortQueryException($"The decoded query is not the cohort JSON: {invalid.Message}");
        }

        return (query ?? throw new CohortQueryException("The decoded query is null.")).Validate();
    }

    public string Encode() => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(this, Json));

    private CohortQuery Validate()
    {
        if (AccessionNumbers.Count == 0 && PatientIds.Count == 0 && Modalities.Count == 0 && StudyDateFrom is null && StudyDateTo is null
            && string.IsNullOrWhiteSpace(StudyDescription))
        {
            throw new CohortQueryException("The query selects nothing: give accession numbers, patient ids, modalities, a study date range or a description.");
        }

        foreach (var (name, values, maxLength) in new[] { ("accession_numbers", AccessionNumbers, 16), ("patient_ids", PatientIds, 64), ("modalities", Modalities, 16) })
        {
            if (values.Count > MaxListLength)
            {
                throw new CohortQueryException($"{name} has {values.Count} values; at most {MaxListLength}.");
            }

            // DICOM SH (16) and LO (64) lengths; backslash separates values and wildcards would widen an exact key.
            if (values.FirstOrDefault(v => string.IsNullOrWhiteSpace(v) || v.Length > maxLength || v.IndexOfAny(['\\', '*', '?']) >= 0) is { } bad)
            {
                throw new CohortQueryException($"{name} holds '{bad.Shorten(70)}': values are 1 to {maxLength} characters without '\\', '*' or '?'.");
            }
        }

        foreach (var (name, value) in new[] { ("study_date_from", StudyDateFrom), ("study_date_to", StudyDateTo) })
        {
            if (value is not null && !DateTime.TryParseExact(value, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                throw new CohortQueryException($"{name} '{value}' is not a DICOM date (yyyymmdd).");
            }
        }

        if (StudyDateFrom is not null && StudyDateTo is not null && string.CompareOrdinal(StudyDateFrom, StudyDateTo) > 0)
        {
            throw new CohortQueryException($"study_date_from {StudyDateFrom} is after study_date_to {StudyDateTo}.");
        }

        if (StudyDescription is { Length: > 64 } || StudyDescription?.Contains('\\') == true)
        {
            throw new CohortQueryException("study_description is at most 64 characters (LO), without '\\'; '*' and '?' are wildcards.");
        }

        return this;
    }

    /// <summary>
    /// The QIDO-RS study searches whose union is the cohort: one per accession number, patient id and modality
    /// combination (QIDO matches one value per key), each with the date range and description.
    /// </summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> ToQidoSearches()
    {
        static IEnumerable<string?> Or(IReadOnlyList<string> values) => values.Count == 0 ? [null] : values.Distinct(StringComparer.Ordinal).Select(v => (string?)v);
        var searches = new List<IReadOnlyDictionary<string, string>>();
        foreach (var accession in Or(AccessionNumbers))
        {
            foreach (var patient in Or(PatientIds))
            {
                foreach (var modality in Or(Modalities))
                {
                    var search = new Dictionary<string, string>(StringComparer.Ordinal);
                    if (accession is not null)
                    {
                        search["AccessionNumber"] = accession;
                    }

                    if (patient is not null)
                    {
                        search["PatientID"] = patient;
                    }

                    if (modality is not null)
                    {
                        search["ModalitiesInStudy"] = modality;
                    }

                    if (StudyDateFrom is not null || StudyDateTo is not null)
                    {
                        search["StudyDate"] = $"{StudyDateFrom}-{StudyDateTo}";
                    }

                    if (!string.IsNullOrWhiteSpace(StudyDescription))
                    {
                        search["StudyDescription"] = StudyDescription;
                    }

                    searches.Add(search);
                }
            }
        }

        return searches;
    }
}
