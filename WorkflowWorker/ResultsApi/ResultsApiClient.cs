using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Imaging.WorkflowWorker.ResultsApi;

/// <summary>What ResultsApi tells the worker when it takes a job (the record's generation, exam and task).</summary>
public sealed record ReconstructionContext(int RecordId, int Generation, string Input, Guid ResultId, Guid TaskId, string TaskName, Guid WorkflowId,
    Guid ExamId, string ExamName, string? PatientId, DateTimeOffset ExamCreated);

/// <summary>What ResultsApi tells the worker when it takes a series analysis: the series and its instances in order.</summary>
public sealed record AnalysisContext(Guid SourceId, string SeriesInstanceUid, int Attempt, string StudyInstanceUid, string? Modality, string? AccessionNumber,
    string? PatientId, string? SeriesDescription, IReadOnlyList<AnalysisInstance> Instances);

/// <summary>What ResultsApi tells the worker when it takes a quality session: its target and the target images to measure, before first.</summary>
public sealed record QualitySessionContext(Guid SessionId, Guid SourceId, string Target, IReadOnlyList<QualitySessionImage> Images);

public sealed record QualitySessionImage(string FileName, string ImageTag, long Size);

public sealed record AnalysisInstance(string SopInstanceUid, string SopClassUid, int? InstanceNumber, int NumberOfFrames, string TransferSyntaxUid, long Size);

/// <summary>
/// The worker's calls to ResultsApi, found through service discovery (https+http://resultsapi). Logs in with the
/// service account on first use and again when a token is refused; the resilience handler retries transient faults.
/// </summary>
public sealed class ResultsApiClient(HttpClient http, IOptions<ResultsApiOptions> options, ResultsApiToken session)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Marks the job started; null when ResultsApi says the job is stale or already done (409), so it is skipped.</summary>
    public async Task<ReconstructionContext?> StartAsync(int recordId, string input, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"/api/v1/workflow/record/{recordId}/started")
        {
            Content = JsonContent.Create(new { input }, options: Json),
        }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return null;
        }

        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<ReconstructionContext>(Json, cancellationToken)
            ?? throw new InvalidOperationException("ResultsApi answered the start of a job with an empty body.");
    }

    public async Task<byte[]> GetRawDataAsync(int recordId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"/api/v1/workflow/record/{recordId}/raw"), cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    /// <summary>Stores one instance in the result under its name; the same name again overwrites, so a repeated job leaves one copy.</summary>
    public async Task PutInstanceAsync(Guid resultId, string fileName, byte[] part10, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, $"/api/v1/exam/result/{resultId}/files/{fileName}")
        {
            Content = new ByteArrayContent(part10) { Headers = { ContentType = new MediaTypeHeaderValue("application/dicom") } },
        }, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary>False when the record moved on to a newer upload meanwhile (409): this job's outcome no longer matters.</summary>
    public async Task<bool> FinishAsync(int recordId, int generation, IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"/api/v1/workflow/record/{recordId}/finished")
        {
            Content = JsonContent.Create(new { generation, files }, options: Json),
        }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }

        await EnsureSuccessAsync(response, cancellationToken);
        return true;
    }

    /// <summary>Reports how far the job is (the task's progress and status message); false when ResultsApi refused it.</summary>
    public async Task<bool> ReportProgressAsync(int recordId, int generation, int percent, string stage, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"/api/v1/workflow/record/{recordId}/progress")
        {
            Content = JsonContent.Create(new { generation, percent, stage }, options: Json),
        }, cancellationToken);
        return response.IsSuccessStatusCode;
    }

    public async Task FailAsync(int recordId, int generation, string reason, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"/api/v1/workflow/record/{recordId}/failed")
        {
            Content = JsonContent.Create(new { generation, reason }, options: Json),
        }, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Conflict)
        {
            await EnsureSuccessAsync(response, cancellationToken);
        }
    }

    /// <summary>Takes a series analysis (PROCESSING); null when it is stale or already reported (409), so it is skipped.</summary>
    public async Task<AnalysisContext?> StartAnalysisAsync(Guid sourceId, string seriesUid, int attempt, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, AnalysisPath(sourceId, seriesUid, "started"))
        {
            Content = JsonContent.Create(new { attempt }, options: Json),
        }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return null;
        }

        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<AnalysisContext>(Json, cancellationToken)
            ?? throw new InvalidOperationException("ResultsApi answered the start of an analysis with an empty body.");
    }

    public async Task<byte[]> GetAnalysisInstanceAsync(Guid sourceId, string seriesUid, string sopInstanceUid, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, AnalysisPath(sourceId, seriesUid, $"instances/{sopInstanceUid}")), cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    /// <summary>Stores a result file of the analysis; the same name again replaces it, so a repeated analysis leaves one copy.</summary>
    public async Task PutAnalysisFileAsync(Guid sourceId, string seriesUid, string fileName, byte[] content, string contentType, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, AnalysisPath(sourceId, seriesUid, $"files/{fileName}"))
        {
            Content = new ByteArrayContent(content) { Headers = { ContentType = new MediaTypeHeaderValue(contentType) } },
        }, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary>Reports how far the analysis is (the percentage and stage /results answers while it runs); false when ResultsApi refused it.</summary>
    public async Task<bool> ReportAnalysisProgressAsync(Guid sourceId, string seriesUid, int attempt, int percent, string stage, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, AnalysisPath(sourceId, seriesUid, "progress"))
        {
            Content = JsonContent.Create(new { attempt, percent, stage }, options: Json),
        }, cancellationToken);
        return response.IsSuccessStatusCode;
    }

    /// <summary>Reports the outcome: "finished", "unsupported" or "failed". False when the attempt was superseded or already reported (409).</summary>
    public async Task<bool> ReportAnalysisAsync(Guid sourceId, string seriesUid, string outcome, object body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, AnalysisPath(sourceId, seriesUid, outcome))
        {
            Content = JsonContent.Create(body, options: Json),
        }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }

        await EnsureSuccessAsync(response, cancellationToken);
        return true;
    }

    /// <summary>Takes a quality session (running); null when it already finished or failed (409), so it is skipped.</summary>
    public async Task<QualitySessionContext?> StartQualitySessionAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"/api/v1/quality-sessions/{sessionId}/started"), cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return null;
        }

        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<QualitySessionContext>(Json, cancellationToken)
            ?? throw new InvalidOperationException("ResultsApi answered the start of a quality session with an empty body.");
    }

    public async Task<byte[]> GetQualitySessionImageAsync(Guid sessionId, string fileName, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Get, $"/api/v1/quality-sessions/{sessionId}/images/{Uri.EscapeDataString(fileName)}"), cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    /// <summary>Reports a quality session "finished" (with every image's result and measurements) or "failed" (with the reason); false when it was already reported (409).</summary>
    public async Task<bool> ReportQualitySessionAsync(Guid sessionId, string outcome, object body, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, $"/api/v1/quality-sessions/{sessionId}/{outcome}")
        {
            Content = JsonContent.Create(body, options: Json),
        }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }

        await EnsureSuccessAsync(response, cancellationToken);
        return true;
    }

    private static string AnalysisPath(Guid sourceId, string seriesUid, string rest) => $"/api/v1/series-analyses/{sourceId}/{seriesUid}/{rest}";

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var token = session.Current ?? await LoginAsync(null, cancellationToken);
            using var request = create();
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.Unauthorized || attempt > 0)
            {
                return response;
            }

            response.Dispose();
            await LoginAsync(token, cancellationToken);
        }
    }

    // One login at a time; a caller whose token was refused logs in again unless another caller already did.
    private async Task<string> LoginAsync(string? refused, CancellationToken cancellationToken)
    {
        await session.Gate.WaitAsync(cancellationToken);
        try
        {
            if (session.Current is { } current && current != refused)
            {
                return current;
            }

            var settings = options.Value;
            using var response = await http.PostAsync("/api/v1/userlogin/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "password",
                ["username"] = settings.Username,
                ["password"] = settings.Password,
            }), cancellationToken);
            await EnsureSuccessAsync(response, cancellationToken);
            using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            return session.Current = body.RootElement.GetProperty("access_token").GetString()
                ?? throw new InvalidOperationException("ResultsApi's login answered without an access token.");
        }
        finally
        {
            session.Gate.Release();
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException(
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered {(int)response.StatusCode}: {(body.Length > 500 ? body[..500] : body)}",
                null, response.StatusCode);
        }
    }
}

/// <summary>The service account's token, shared by every (transient) client; one login at a time.</summary>
public sealed class ResultsApiToken
{
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public string? Current { get; set; }
}
