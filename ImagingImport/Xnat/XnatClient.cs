using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Imaging.ImagingImport.Xnat;

/// <summary>XNAT could not be reached, timed out, or answered with a server error: worth trying again later.</summary>
public sealed class XnatUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>XNAT refused the call for a reason trying again will not change (bad credentials, a malformed request).</summary>
public sealed class XnatRefusedException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>What an import of one session's zip came to.</summary>
public enum XnatImportResult
{
    /// <summary>Stored (archived, or in the prearchive when the project does not auto-archive).</summary>
    Imported,

    /// <summary>A session with this label already exists and overwrite is none (409).</summary>
    AlreadyExists,

    /// <summary>The import handler could not use the zip (400): the reason is in the outcome.</summary>
    Rejected,
}

public sealed record XnatImportOutcome(XnatImportResult Result, string Detail);

/// <summary>
/// The calls ImagingImport makes to XNAT's REST API: project lookup and creation with its prearchive code, the import
/// service (DICOM-zip), and the project's experiments. Authenticates with a JSESSION kept and renewed on 401, or with
/// basic auth / an alias token; every call has a timeout.
/// </summary>
public sealed class XnatClient(HttpClient http, IOptions<XnatOptions> options, XnatSession session, XnatCaller caller)
{
    /// <summary>True when this client calls XNAT as the request's caller (its XNATAuthHeaders), not as the service account.</summary>
    public bool ActsForCaller => caller.Present;

    public async Task<bool> ProjectExistsAsync(string project, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"data/projects/{Uri.EscapeDataString(project)}?format=json"),
            options.Value.Timeout, cancellationToken);
        return response.StatusCode switch
        {
            HttpStatusCode.OK => true,
            HttpStatusCode.NotFound => false,
            _ => throw await FailureAsync(response, cancellationToken),
        };
    }

    /// <summary>Creates the project (PUT; an existing one is left as it is) and, when asked, sets it to auto-archive (prearchive code 4).</summary>
    public async Task CreateProjectAsync(string project, bool autoArchive, CancellationToken cancellationToken)
    {
        using (var created = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, $"data/projects/{Uri.EscapeDataString(project)}"), options.Value.Timeout,
            cancellationToken))
        {
            if (!created.IsSuccessStatusCode)
            {
                throw await FailureAsync(created, cancellationToken);
            }
        }

        if (autoArchive)
        {
            using var archive = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, $"data/projects/{Uri.EscapeDataString(project)}/prearchive_code/4"),
                options.Value.Timeout, cancellationToken);
            if (!archive.IsSuccessStatusCode)
            {
                throw await FailureAsync(archive, cancellationToken);
            }
        }
    }

    /// <summary>POST /data/services/import with the zip in the body, to /archive/projects/{project}/subjects/{subject}/experiments/{label}, no overwrite.</summary>
    public async Task<XnatImportOutcome> ImportAsync(string project, string subject, string label, Func<HttpContent> zip, CancellationToken cancellationToken)
    {
        var dest = $"/archive/projects/{project}/subjects/{subject}/experiments/{label}";
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post,
            $"data/services/import?import-handler=DICOM-zip&inbody=true&overwrite=none&dest={Uri.EscapeDataString(dest)}")
        { Content = zip() },
            options.Value.ImportTimeout, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.StatusCode switch
        {
            HttpStatusCode.OK or HttpStatusCode.Created => new XnatImportOutcome(XnatImportResult.Imported, text.Trim()),
            HttpStatusCode.Conflict => new XnatImportOutcome(XnatImportResult.AlreadyExists, text.Trim().Shorten(300)),
            HttpStatusCode.BadRequest => new XnatImportOutcome(XnatImportResult.Rejected, text.Trim().Shorten(300)),
            _ => throw Failure(response, text),
        };
    }

    /// <summary>The labels of the project's experiments (GET /data/experiments?project=…&amp;format=json, the ResultSet envelope).</summary>
    public async Task<IReadOnlySet<string>> ExperimentLabelsAsync(string project, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, $"data/experiments?project={Uri.EscapeDataString(project)}&format=json&columns=ID,label"),
            options.Value.Timeout, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await FailureAsync(response, cancellationToken);
        }

        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        if (!body.RootElement.TryGetProperty("ResultSet", out var resultSet) || !resultSet.TryGetProperty("Result", out var rows) || rows.ValueKind != JsonValueKind.Array)
        {
            throw new XnatRefusedException(response.StatusCode, "XNAT's experiments listing has no ResultSet.Result array.");
        }

        return rows.EnumerateArray().Select(r => r.TryGetProperty("label", out var label) ? label.GetString() : null).OfType<string>().ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Sends with the configured authentication and a timeout; with a session, one 401 leads to a new login and one more try.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                using var request = create();
                string? used = null;
                if (caller.Present)
                {
                    // The caller's own XNAT identity: XNAT decides what it may do; no login or retry on its behalf.
                    if (caller.Basic is { } basic)
                    {
                        request.Headers.Authorization = basic;
                    }
                    else
                    {
                        request.Headers.Add("Cookie", $"JSESSIONID={caller.SessionId}");
                    }

                    var answer = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, limit.Token);
                    return answer.StatusCode == HttpStatusCode.Unauthorized
                        ? throw new XnatRefusedException(HttpStatusCode.Unauthorized, "XNAT refused your credentials (401): check the user and password, or log in to XNAT again for a new session.")
                        : answer;
                }

                if (options.Value.Authentication == XnatAuthentication.Session)
                {
                    used = session.Current ?? await LoginAsync(null, limit.Token);
                    request.Headers.Add("Cookie", $"JSESSIONID={used}");
                }
                else
                {
                    request.Headers.Authorization = BasicCredentials();
                }

                var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, limit.Token);
                if (response.StatusCode != HttpStatusCode.Unauthorized || used is null || attempt > 0)
                {
                    return response.StatusCode == HttpStatusCode.Unauthorized
                        ? throw new XnatRefusedException(HttpStatusCode.Unauthorized, "XNAT refused the credentials (401); check Xnat:Username and Xnat:Password.")
                        : response;
                }

                response.Dispose();
                await LoginAsync(used, limit.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new XnatUnavailableException($"XNAT at {http.BaseAddress} did not answer within {timeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException unreachable)
        {
            throw new XnatUnavailableException($"XNAT at {http.BaseAddress} cannot be reached: {unreachable.Message}", unreachable);
        }
    }

    // One login at a time; a caller whose session was refused logs in again unless another caller already did.
    private async Task<string> LoginAsync(string? refused, CancellationToken cancellationToken)
    {
        await session.Gate.WaitAsync(cancellationToken);
        try
        {
            if (session.Current is { } current && current != refused)
            {
                return current;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, "data/JSESSION") { Headers = { Authorization = BasicCredentials() } };
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new XnatRefusedException(HttpStatusCode.Unauthorized, "XNAT refused the service account's login (401); check Xnat:Username and Xnat:Password.");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw await FailureAsync(response, cancellationToken);
            }

            var id = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
            return session.Current = id.Length is > 0 and < 200 && id.All(char.IsAsciiLetterOrDigit)
                ? id
                : throw new XnatRefusedException(response.StatusCode, "XNAT's JSESSION answer is not a session id.");
        }
        finally
        {
            session.Gate.Release();
        }
    }

    private AuthenticationHeaderValue BasicCredentials() =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.Value.Username}:{options.Value.Password}")));

    private static async Task<Exception> FailureAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        Failure(response, await response.Content.ReadAsStringAsync(cancellationToken));

    private static Exception Failure(HttpResponseMessage response, string text)
    {
        var what = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered {(int)response.StatusCode}: {text.Trim().Shorten(300)}";
        return (int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
            ? new XnatUnavailableException(what)
            : new XnatRefusedException(response.StatusCode, what);
    }
}

/// <summary>The XNAT session id, shared by every (transient) client; one login at a time.</summary>
public sealed class XnatSession
{
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public string? Current { get; set; }
}
