using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Imaging.ImagingImport.Sources;

public sealed class SourceOptions
{
    public const string SectionName = "Source";

    /// <summary>The source PACS's DICOMweb root, relative to ConnectionStrings:pacs (Orthanc: dicom-web/).</summary>
    public string DicomWebPath { get; set; } = "dicom-web/";

    /// <summary>A bearer token for the source (ResultsApi's DICOMweb); basic credentials may instead be in the connection string's user info.</summary>
    public string? BearerToken { get; set; }

    /// <summary>How many studies one QIDO-RS page asks for.</summary>
    public int PageSize { get; set; } = 500;
}

/// <summary>A study retrieved into a zip: its instances, their bytes, and how much of the time went into writing the zip.</summary>
public sealed record RetrievedStudy(int Instances, long Bytes, TimeSpan Packing);

/// <summary>A study the source holds: what the cohort, the pseudonym and the session label are made of.</summary>
public sealed record SourceStudy(string StudyInstanceUid, string? PatientId, string? AccessionNumber);

/// <summary>The source PACS answered with an error or could not be reached.</summary>
public sealed class SourceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The source PACS over DICOMweb (PS3.18): QIDO-RS study searches, paged, and WADO-RS retrieval of a whole study
/// written straight into a zip for XNAT. Works with Orthanc's DICOMweb plugin, ResultsApi's /dicom-web, or any other.
/// </summary>
public sealed class DicomWebSource(HttpClient http, IOptions<SourceOptions> options)
{
    public async Task<IReadOnlyList<SourceStudy>> SearchStudiesAsync(IReadOnlyDictionary<string, string> keys, CancellationToken cancellationToken)
    {
        var studies = new List<SourceStudy>();
        var pageSize = options.Value.PageSize;
        for (var offset = 0; ; offset += pageSize)
        {
            var query = string.Join("&", keys.Select(k => $"{k.Key}={Uri.EscapeDataString(k.Value)}")
                .Append($"limit={pageSize}").Append($"offset={offset}").Append("includefield=00100020").Append("includefield=00080050"));
            using var request = Request(HttpMethod.Get, $"studies?{query}");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/dicom+json"));
            using var response = await SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                return studies;
            }

            using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            var page = body.RootElement.EnumerateArray().Select(study => new SourceStudy(
                Value(study, "0020000D") ?? throw new SourceUnavailableException("A QIDO-RS answer has a study without its Study Instance UID."),
                Value(study, "00100020"), Value(study, "00080050"))).ToList();
            studies.AddRange(page);
            if (page.Count < pageSize)
            {
                return studies;
            }
        }
    }

    /// <summary>
    /// Retrieves the study (WADO-RS, multipart/related application/dicom) into <paramref name="zip"/>, one entry per
    /// instance; null when the source does not have the study (404, or no instance). The zip is written as the parts
    /// arrive, so the time spent writing it is timed apart from the time spent waiting for the source.
    /// </summary>
    public async Task<RetrievedStudy?> RetrieveStudyAsync(string studyInstanceUid, Stream zip, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, $"studies/{Uri.EscapeDataString(studyInstanceUid)}");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("multipart/related; type=\"application/dicom\""));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.NoContent)
        {
            return null;
        }

        await EnsureSuccessAsync(response, cancellationToken);
        var boundary = HeaderUtilities.RemoveQuotes(Microsoft.Net.Http.Headers.MediaTypeHeaderValue.Parse(response.Content.Headers.ContentType?.ToString()).Boundary).ToString();
        if (boundary.Length == 0)
        {
            throw new SourceUnavailableException($"WADO-RS for study {studyInstanceUid} answered {response.Content.Headers.ContentType} without a multipart boundary.");
        }

        var reader = new MultipartReader(boundary, await response.Content.ReadAsStreamAsync(cancellationToken));
        var (count, bytes, packing) = (0, 0L, 0L);
        var buffer = new byte[1 << 16];
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                var started = Stopwatch.GetTimestamp();
                // DICOM pixel data rarely shrinks under deflate; storing saves the CPU for the next study.
                var entry = archive.CreateEntry($"{++count:D5}.dcm", CompressionLevel.NoCompression);
                await using var target = await entry.OpenAsync(cancellationToken);
                packing += Stopwatch.GetTimestamp() - started;
                int read;
                while ((read = await section.Body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    started = Stopwatch.GetTimestamp();
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    packing += Stopwatch.GetTimestamp() - started;
                    bytes += read;
                }
            }

            var closing = Stopwatch.GetTimestamp();
            archive.Dispose(); // writes the central directory: part of the packing
            packing += Stopwatch.GetTimestamp() - closing;
        }

        return count == 0 ? null : new RetrievedStudy(count, bytes, Stopwatch.GetElapsedTime(0, packing));
    }

    private HttpRequestMessage Request(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, options.Value.DicomWebPath.TrimEnd('/') + "/" + path);
        if (options.Value.BearerToken is { Length: > 0 } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (http.BaseAddress?.UserInfo is { Length: > 0 } userInfo)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(userInfo))));
        }

        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException unreachable)
        {
            throw new SourceUnavailableException($"The source PACS at {http.BaseAddress?.GetLeftPart(UriPartial.Authority)} cannot be reached: {unreachable.Message}", unreachable);
        }

        await EnsureSuccessAsync(response, cancellationToken);
        return response;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            response.Dispose();
            throw new SourceUnavailableException(
                $"The source PACS answered {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} with {(int)response.StatusCode}: {text.Shorten(300)}");
        }
    }

    private static string? Value(JsonElement dataset, string tag) =>
        dataset.TryGetProperty(tag, out var element) && element.TryGetProperty("Value", out var values) && values.GetArrayLength() > 0
            ? values[0].ValueKind == JsonValueKind.String ? values[0].GetString() : values[0].ToString()
            : null;
}
