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
    public Task<ReconstructionContext?> StartAsync(int recordId, string input, CancellationToken cancellationToken) =>
        StartAsync<ReconstructionContext>($"/api/v1/workflow/record/{recordId}/started", new { input }, "a job", cancellationToken);

    public Task<byte[]> GetRawDataAsync(int recordId, CancellationToken cancellationToken) =>
        GetBytesAsync($"/api/v1/workflow/record/{recordId}/raw", cancellationToken);

    /// <summary>Stores one instance in the result under its name; the same name again overwrites, so a repeated job leaves one copy.</summary>
    public Task PutInstanceAsync(Guid resultId, string fileName, byte[] part10, CancellationToken cancellationToken) =>
        PutBytesAsync($"/api/v1/exam/result/{resultId}/files/{fileName}", part10, "application/dicom", cancellationToken);

    /// <summary>False when the record moved on to a newer upload meanwhile (409): this job's outcome no longer matters.</summary>
    public Task<bool> FinishAsync(int recordId, int generation, IReadOnlyList<string> files, CancellationToken cancellationToken) =>
        ReportAsync($"/api/v1/workflow/record/{recordId}/finished", new { generation, files }, cancellationToken);

    /// <summary>Reports how far the job is (the task's progress and status message); false when ResultsApi refused it.</summary>
    public Task<bool> ReportProgressAsync(int recordId, int generation, int percent, string stage, CancellationToken cancellationToken) =>
        ReportProgressAsync($"/api/v1/workflow/record/{recordId}/progress", new { generation, percent, stage }, cancellationToken);

    /// <summary>Reports the job failed; a 409 (the record moved on) is the end of it too.</summary>
    public Task FailAsync(int recordId, int generation, string reason, CancellationToken cancellationToken) =>
        ReportAsync($"/api/v1/workflow/record/{recordId}/failed", new { generation, reason }, cancellationToken);

    /// <summary>Takes a series analysis (PROCESSING); null when it is stale or already reported (409), so it is skipped.</summary>
    public Task<AnalysisContext?> StartAnalysisAsync(Guid sourceId, string seriesUid, int attempt, CancellationToken cancellationToken) =>
        StartAsync<AnalysisContext>(AnalysisPath(sourceId, seriesUid, "started"), new { attempt }, "an analysis", cancellationToken);

    public Task<byte[]> GetAnalysisInstanceAsync(Guid sourceId, string seriesUid, string sopInstanceUid, CancellationToken cancellationToken) =>
        GetBytesAsync(AnalysisPath(sourceId, seriesUid, $"instances/{sopInstanceUid}"), cancellationToken);

    /// <summary>Stores a result file of the analysis; the same name again replaces it, so a repeated analysis leaves one copy.</summary>
    public Task PutAnalysisFileAsync(Guid sourceId, string seriesUid, string fileName, byte[] content, string contentType, CancellationToken cancellationToken) =>
        PutBytesAsync(AnalysisPath(sourceId, seriesUid, $"files/{fileName}"), content, contentType, cancellationToken);

    /// <summary>Reports how far the analysis is (the percentage and stage /results answers while it runs); false when ResultsApi refused it.</summary>
    public Task<bool> ReportAnalysisProgressAsync(Guid sourceId, string seriesUid, int attempt, int percent, string stage, CancellationToken cancellationToken) =>
        ReportProgressAsync(AnalysisPath(sourceId, seriesUid, "progress"), new { attempt, percent, stage }, cancellationToken);

    /// <summary>Reports the outcome: "finished", "unsupported" or "failed". False when the attempt was superseded or already reported (409).</summary>
    public Task<bool> ReportAnalysisAsync(Guid sourceId, string seriesUid, string outcome, object body, CancellationToken cancellationToken) =>
        ReportAsync(AnalysisPath(sourceId, seriesUid, outcome), body, cancellationToken);

    /// <summary>Takes a quality session (running); null when it already finished or failed (409), so it is skipped.</summary>
    public Task<QualitySessionContext?> StartQualitySessionAsync(Guid sessionId, CancellationToken cancellationToken) =>
        StartAsync<QualitySessionContext>($"/api/v1/quality-sessions/{sessionId}/started", null, "a quality session", cancellationToken);

    public Task<byte[]> GetQualitySessionImageAsync(Guid sessionId, string fileName, CancellationToken cancellationToken) =>
        GetBytesAsync($"/api/v1/quality-sessions/{sessionId}/images/{Uri.EscapeDataString(fileName)}", cancellationToken);

    /// <summary>Reports a quality session "finished" (with every image's result and measurements) or "failed" (with the reason); false when it was already reported (409).</summary>
    public Task<bool> ReportQualitySessionAsync(Guid sessionId, string outcome, object body, CancellationToken cancellationToken) =>
        ReportAsync($"/api/v1/quality-sessions/{sessionId}/{outcome}", body, cancellationToken);

    /// <summary>Takes a piece of work: its context, or null when ResultsApi answers 409 (stale, superseded or done), so it is skipped.</summary>
    private async Task<T?> StartAsync<T>(string path, object? body, string what, CancellationToken cancellationToken)
        where T : class
    {
        using var response = await PostAsync(path, body, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return null;
        }

        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new InvalidOperationException($"ResultsApi answered the start of {what} with an empty body.");
    }

    /// <summary>Reports an outcome; false when ResultsApi answers 409 (superseded or already reported), so it no longer matters.</summary>
    private async Task<bool> ReportAsync(string path, object body, CancellationToken cancellationToken)
    {
        using var response = await PostAsync(path, body, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }

        await EnsureSuccessAsync(response, cancellationToken);
        return true;
    }

    /// <summary>Progress is advice: a refusal is not an error of the job, only false.</summary>
    private async Task<bool> ReportProgressAsync(string path, object body, CancellationToken cancellationToken)
    {
        using var response = await PostAsync(path, body, cancellationToken);
        return response.IsSuccessStatusCode;
    }

    private async Task<byte[]> GetBytesAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    private async Task PutBytesAsync(string path, byte[] content, string contentType, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, path)
        {
            Content = new ByteArrayContent(content) { Headers = { ContentType = new MediaTypeHeaderValue(contentType) } },
        }, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    private Task<HttpResponseMessage> PostAsync(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body, options: Json) }, cancellationToken);

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
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered {(int)response.StatusCode}: {body.Shorten(500)}",
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
