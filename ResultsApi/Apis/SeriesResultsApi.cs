using System.Globalization;
using Imaging.ResultsApi.Analysis;
using Imaging.ResultsApi.Caching;

namespace Imaging.ResultsApi.Apis;

/// <summary>
/// The vendor-style series results API (seed: series-results-api): `Authorization: Token …` with the `Source`
/// header, GET /compute/{series} to queue a series' analysis, GET /results/{series} with the seed's bodies, and the
/// signed links its files are served by. Source API tokens are made and revoked by an admin of the source.
/// </summary>
public static partial class SeriesResultsApi
{
    public static IEndpointRouteBuilder MapSeriesResultsApi(this IEndpointRouteBuilder app)
    {
        var vendor = app.MapGroup("").AllowAnonymous().WithTags("series results");
        vendor.MapPost("/studies", IngestAsync).WithName("upload_studies").DisableAntiforgery().AcceptsUpload()
            .WithSummary("Upload DICOM files (multipart form fields file_0 … file_n); answers per file, and the series with their instance counts.")
            .WithDescription("200 when at least one file was stored (success is false when some were not; files says why for each), 400 when none was.")
            .AcceptsForm("The DICOM files, in fields file_0, file_1, … file_n.", "file_0", "file_1")
            .Produces<SeedBodies.StudiesUpload>().Produces<SeedBodies.StudiesUpload>(StatusCodes.Status400BadRequest)
            .Unauthenticated()
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge);
        vendor.MapGet("/results/{series}", ResultsAsync).WithName("get_series_results").WithSummary("Results of a series' analysis (seed bodies).")
            .WithDescription("200 with the result files as signed links (valid for a limited time), 202 while the analysis runs, 400 when no use case "
                + "applies, 404 before the series is uploaded, 409 when it was uploaded but never queued and automatic queueing is off (call /compute/{series}), 422 when the "
                + "analysis failed (call /compute/{series} again). While it runs, the 202 keeps the seed's body and says how far the analysis is in "
                + $"the headers {ProgressHeader} (percent, 0–99) and {StageHeader} (such as 'read instance 3 of 8'). A series uploaded and not yet queued "
                + $"answers 202 too, with the stage '{WaitingStage}' and a Retry-After, until it is queued by itself.")
            .Produces<SeedBodies.SeriesResults>().WithResponseExample(StatusCodes.Status200OK, SeedExamples.SeriesResults)
            .Produces<SeedBodies.VendorMessage>(StatusCodes.Status202Accepted).WithResponseExample(StatusCodes.Status202Accepted, SeedExamples.SeriesUnderProcess)
            .Produces<SeedBodies.SeriesNotAnalysed>(StatusCodes.Status400BadRequest)
            .WithResponseExample(StatusCodes.Status400BadRequest, SeedExamples.SeriesUseCaseNotImplemented)
            .Unauthenticated().NotUploaded()
            .Produces<SeedBodies.VendorMessage>(StatusCodes.Status409Conflict)
            .Produces<SeedBodies.SeriesNotAnalysed>(StatusCodes.Status422UnprocessableEntity);
        vendor.MapGet("/compute/{series}", ComputeAsync).WithName("compute_series").WithSummary("Queue a series for analysis: 200 queued, 304 already queued.")
            .Produces<SeedBodies.VendorMessage>().Produces(StatusCodes.Status304NotModified)
            .Unauthenticated().NotUploaded();
        vendor.MapGet("/results/files/{source_id}/{series}/{filename}", FileAsync).WithName("get_series_result_file")
            .WithSummary("A result file through its signed link (Range supported).")
            .WithDescription("The link of a /results/{series} answer, used as it is: it needs neither token nor Source header. A changed, expired "
                + "or dangling link is 403.")
            .ProducesFile("application/octet-stream", "The file: application/dicom, application/json, application/pdf or application/octet-stream by its extension.")
            .Produces<SeedBodies.VendorMessage>(StatusCodes.Status403Forbidden).WithResponseExample(StatusCodes.Status403Forbidden, SeedExamples.SeriesAccessDenied);

        var tokens = app.MapGroup("/api/v1/sources/tokens").RequireAuthorization(policy => policy.RequireRole(Roles.Admin))
            .RequireRateLimiting(RateLimits.TokensPolicy).WithNoStore().WithTags("sources");
        tokens.MapPost("", CreateTokenAsync).WithName("create_source_token").WithSummary("Create an API token for your source; the token is shown once.")
            .ProducesProblems(StatusCodes.Status400BadRequest)
            .WithRequestExample("""{"name": "pacs-router"}""");
        tokens.MapDelete("/{token_id}", RevokeTokenAsync).WithName("revoke_source_token").WithSummary("Revoke one of your source's API tokens.")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>The seed's 401 and 403: no or a wrong token, a wrong Source header.</summary>
    private static RouteHandlerBuilder Unauthenticated(this RouteHandlerBuilder builder) => builder
        .WithSecurityScheme(SecuritySchemesTransformer.SourceToken)
        .WithHeader("Source", "The name of the source the token belongs to; a wrong or missing one is 403.", required: true)
        .Produces<SeedBodies.VendorUnauthorized>(StatusCodes.Status401Unauthorized).WithResponseExample(StatusCodes.Status401Unauthorized, SeedExamples.SeriesUnauthorized)
        .Produces<SeedBodies.VendorMessage>(StatusCodes.Status403Forbidden).WithResponseExample(StatusCodes.Status403Forbidden, SeedExamples.SeriesAccessDenied);

    /// <summary>The seed's 404: the series is not uploaded (to your source).</summary>
    private static RouteHandlerBuilder NotUploaded(this RouteHandlerBuilder builder) => builder
        .Produces<SeedBodies.VendorMessage>(StatusCodes.Status404NotFound).WithResponseExample(StatusCodes.Status404NotFound, SeedExamples.SeriesNotUploaded);

    public const string ProgressHeader = "X-Analysis-Progress";
    public const string StageHeader = "X-Analysis-Stage";

    /// <summary>The stage of a series uploaded and not yet queued: it is queued once no new instance has come for a while.</summary>
    public const string WaitingStage = "waiting for the series to be complete";

    private static async Task<JsonHttpResult<object>> ResultsAsync(string series, HttpRequest request, ResultsDbContext db, SignedLinks links, FinishedResultsCache cache,
        Microsoft.Extensions.Options.IOptions<StableSeriesOptions> analysisOptions, CancellationToken ct)
    {
        var (source, refused) = await AuthenticateAsync(request, db, series, ct);
        if (refused is not null)
        {
            return refused;
        }

        if (await cache.GetAsync(source, series) is { } cached)
        {
            return FinishedResults(request, links, source, series, cached);
        }

        var analysis = await db.SeriesAnalyses.AsNoTracking().SingleOrDefaultAsync(a => a.SourceId == source && a.SeriesInstanceUid == series, ct);
        if (analysis is null && analysisOptions.Value.QueueWhenStableFor > TimeSpan.Zero)
        {
            // Uploaded and not yet queued: the series is queued by itself once no instance has come for a short while,
            // so to a client it is under process already (the seed's 202), waiting for the rest of the series.
            request.HttpContext.Response.Headers[ProgressHeader] = "0";
            request.HttpContext.Response.Headers[StageHeader] = WaitingStage;
            request.HttpContext.Response.Headers.RetryAfter = Math.Ceiling((analysisOptions.Value.QueueWhenStableFor + analysisOptions.Value.ScanInterval).TotalSeconds)
                .ToString(CultureInfo.InvariantCulture);
            return Json(StatusCodes.Status202Accepted, new { success = false, message = $"Resource with sopInstanceUID {series} is under process. Please check back in some time." });
        }

        if (analysis is null)
        {
            // Only when automatic queueing is turned off (SeriesAnalysis:QueueWhenStableFor is zero).
            return Json(StatusCodes.Status409Conflict, new { success = false, message = $"Resource with sopInstanceUID {series} is uploaded but was never queued for processing. Call /compute/{series}." });
        }

        switch (analysis.Status)
        {
            case AnalysisStatus.QUEUED or AnalysisStatus.PROCESSING:
                // The seed fixes the body; how far the worker is goes in headers, so a client of the seed sees nothing new.
                request.HttpContext.Response.Headers[ProgressHeader] = analysis.Progress.ToString(CultureInfo.InvariantCulture);
                request.HttpContext.Response.Headers[StageHeader] = analysis.Status == AnalysisStatus.QUEUED ? "queued" : analysis.Stage ?? "started";
                return Json(StatusCodes.Status202Accepted, new { success = false, message = $"Resource with sopInstanceUID {series} is under process. Please check back in some time." });
            case AnalysisStatus.UNSUPPORTED or AnalysisStatus.FAILED:
                // The seed's 400 body; a failed analysis (not in the seed) keeps its shape with its own message and code.
                var accession = await db.Instances.Where(i => i.SourceId == source && i.SeriesInstanceUid == series).Select(i => i.AccessionNumber).FirstOrDefaultAsync(ct);
                var failed = analysis.Status == AnalysisStatus.FAILED;
                return Json(failed ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status400BadRequest, new Dictionary<string, object?>
                {
                    ["success"] = false,
                    ["message"] = failed ? "Analysis failed. Call /compute again to retry." : "Use case not implemented",
                    ["seriesInstanceUID"] = series,
                    ["accessionNumber"] = accession ?? "",
                    ["debug_info"] = new { reason = analysis.Reason ?? "Validity not determined yet!" },
                    ["result"] = new { },
                });
            default:
                var finished = new FinishedAnalysis(analysis.TriageStatus, analysis.Usecase, analysis.Files);
                await cache.SetAsync(source, series, finished);
                return FinishedResults(request, links, source, series, finished);
        }
    }

    /// <summary>The seed's 200 body: the files as signed links, made afresh for every request (cached or not).</summary>
    private static JsonHttpResult<object> FinishedResults(HttpRequest request, SignedLinks links, Guid source, string series, FinishedAnalysis analysis)
    {
        var baseUrl = $"{request.Scheme}://{request.Host}{request.PathBase}";
        var files = JsonSerializer.Deserialize<Dictionary<string, List<string>>>(analysis.Files) ?? [];
        return Json(StatusCodes.Status200OK, new Dictionary<string, object?>
        {
            ["success"] = true,
            ["message"] = "Results retrieved successfully!",
            ["triage_status"] = analysis.TriageStatus,
            ["result"] = new
            {
                // In the seed's order of kinds; the database (jsonb) keeps its own.
                files = files.OrderBy(kind => Array.IndexOf(SeriesAnalysisApi.FileKinds, kind.Key))
                    .ToDictionary(kind => kind.Key, kind => kind.Value.Select(f => baseUrl + links.Sign($"/results/files/{source}/{series}/{f}")).ToList()),
            },
            ["usecase"] = analysis.Usecase,
        });
    }

    private static async Task<Results<JsonHttpResult<object>, ProblemHttpResult>> IngestAsync(HttpRequest request, ResultsDbContext db, DicomInstanceStore store,
        Microsoft.Extensions.Options.IOptions<StorageOptions> options, CancellationToken ct)
    {
        var (source, refused) = await AuthenticateSourceAsync(request, db, ct);
        if (refused is not null)
        {
            return refused;
        }

        if (!request.HasFormContentType)
        {
            return Json(StatusCodes.Status400BadRequest, new { success = false, message = "Send the DICOM files as multipart/form-data, in fields file_0 to file_n." });
        }

        var (form, unreadable) = await ApiProblems.ReadFormAsync(request, options.Value.MaxUploadBytes, ct);
        if (unreadable is not null)
        {
            return unreadable;
        }

        var files = form!.Files.Where(f => FileField().IsMatch(f.Name)).OrderBy(f => int.Parse(f.Name[5..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        if (files.Count == 0)
        {
            return Json(StatusCodes.Status400BadRequest, new { success = false, message = "The form has no file_0 … file_n fields." });
        }

        List<object> outcomes = [];
        List<DicomInstance> stored = [];
        foreach (var file in files)
        {
            await using var content = file.OpenReadStream();
            var (instance, failure) = await store.StoreAsync(db, source, content, null, ct);
            if (instance is not null)
            {
                stored.Add(instance.Instance);
                outcomes.Add(new
                {
                    field = file.Name,
                    filename = file.FileName,
                    stored = true,
                    sopInstanceUID = instance.Instance.SopInstanceUid,
                    seriesInstanceUID = instance.Instance.SeriesInstanceUid
                });
            }
            else
            {
                outcomes.Add(new { field = file.Name, filename = file.FileName, stored = false, reason = failure!.Message });
            }
        }

        // Instance counts as stored now, including instances of these series sent earlier.
        var seriesUids = stored.Select(i => i.SeriesInstanceUid).Distinct().ToList();
        var counts = await db.Instances.Where(i => i.SourceId == source && seriesUids.Contains(i.SeriesInstanceUid))
            .GroupBy(i => i.SeriesInstanceUid).Select(g => new { seriesInstanceUID = g.Key, instances = g.Count() }).ToListAsync(ct);
        var failed = files.Count - stored.Count;
        return Json(stored.Count == 0 ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK, new
        {
            success = failed == 0,
            message = failed == 0 ? $"{stored.Count} file(s) uploaded successfully!" : $"{stored.Count} of {files.Count} file(s) uploaded; see files for the others.",
            files = outcomes,
            series = counts.OrderBy(c => c.seriesInstanceUID, StringComparer.Ordinal),
        });
    }

    [System.Text.RegularExpressions.GeneratedRegex("^file_[0-9]{1,5}$")]
    private static partial System.Text.RegularExpressions.Regex FileField();

    private static async Task<Results<JsonHttpResult<object>, StatusCodeHttpResult>> ComputeAsync(string series, HttpRequest request, ResultsDbContext db, SeriesAnalysisQueue queue, CancellationToken ct)
    {
        var (source, refused) = await AuthenticateAsync(request, db, series, ct);
        if (refused is not null)
        {
            return refused;
        }

        if (await queue.QueueAsync(db, source, series, "compute", ct))
        {
            return Json(StatusCodes.Status200OK, new { success = true, message = $"Resource with sopInstanceUID {series} is queued for processing." });
        }

        return TypedResults.StatusCode(StatusCodes.Status304NotModified);
    }

    private static Results<PhysicalFileHttpResult, JsonHttpResult<object>> FileAsync([FromRoute(Name = "source_id")] string sourceId, string series, string filename, string? expires, string? signature, HttpContext http, SignedLinks links,
        ResultStorage storage)
    {
        // Every refusal looks the same: a tampered link, an expired one and a missing file reveal nothing about each other.
        var refused = Json(StatusCodes.Status403Forbidden, new { success = false, message = "Access denied!" });
        if (!links.IsValid($"/results/files/{sourceId}/{series}/{filename}", expires, signature)
            || !Guid.TryParse(sourceId, out var source) || Imaging.Dicom.DicomUid.Validate(series) is not null || ResultStorage.ValidateFileName(filename) is not null)
        {
            return refused;
        }

        var path = storage.AnalysisPath(source, series, filename);
        if (!File.Exists(path))
        {
            return refused;
        }

        PipeFileSender.Install(http);
        var type = Path.GetExtension(filename) switch { ".dcm" => "application/dicom", ".json" => "application/json", ".pdf" => "application/pdf", _ => "application/octet-stream" };
        return TypedResults.PhysicalFile(path, type, enableRangeProcessing: true);
    }

    private static async Task<Results<Created<TokenCreated>, ProblemHttpResult>> CreateTokenAsync(TokenRequest payload, HttpContext http, ResultsDbContext db, SourceTokens tokens, CancellationToken ct)
    {
        if (SourceTokens.ValidateName(payload.Name) is { } invalid)
        {
            return ApiProblems.BadRequest("Invalid name", invalid);
        }

        var user = CurrentUser.From(http.User);
        var (token, secret) = await tokens.CreateAsync(db, user.SourceId, payload.Name, user.Username, ct);
        var sourceName = await db.Sources.Where(s => s.Id == user.SourceId).Select(s => s.Name).SingleAsync(ct);
        return TypedResults.Created($"/api/v1/sources/tokens/{token.Id}", new TokenCreated(token.Id, token.Name, sourceName, secret, token.DatetimeCreated));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeTokenAsync([FromRoute(Name = "token_id")] string tokenId, HttpContext http, ResultsDbContext db, SourceTokens tokens, CancellationToken ct)
    {
        if (!ApiProblems.TryParseId(tokenId, "token id", out var id, out var problem))
        {
            return problem;
        }

        var owner = await db.SourceApiTokens.Where(t => t.Id == id).Select(t => (Guid?)t.SourceId).SingleOrDefaultAsync(ct);
        if (ApiProblems.Refusal(owner, CurrentUser.From(http.User), "token", id) is { } refused)
        {
            return refused;
        }

        await tokens.RevokeAsync(db, id, ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The vendor API's checks, in its order: a valid token (401 with its body), the Source header naming the token's
    /// source (403), and the series uploaded to that source (404). A series is looked for only among the caller's
    /// source's instances: another source's series answers exactly as one never uploaded, so the answer tells no
    /// source which series another holds.
    /// </summary>
    private static async Task<(Guid Source, JsonHttpResult<object>? Refusal)> AuthenticateAsync(HttpRequest request, ResultsDbContext db, string series, CancellationToken ct)
    {
        var (source, refused) = await AuthenticateSourceAsync(request, db, ct);
        if (refused is not null)
        {
            return (default, refused);
        }

        if (!await db.Instances.AnyAsync(i => i.SourceId == source && i.SeriesInstanceUid == series, ct))
        {
            return (default, Json(StatusCodes.Status404NotFound, new { success = false, message = $"Resource with sopInstanceUID {series} is not yet uploaded!" }));
        }

        return (source, null);
    }

    /// <summary>The token (401 with the seed's body) and the Source header naming its source (403).</summary>
    private static async Task<(Guid Source, JsonHttpResult<object>? Refusal)> AuthenticateSourceAsync(HttpRequest request, ResultsDbContext db, CancellationToken ct)
    {
        var header = request.Headers.Authorization.ToString();
        var unauthorized = Json(StatusCodes.Status401Unauthorized,
            new Dictionary<string, object> { ["message"] = "Invalid token header. No credentials provided.", ["next"] = "/accounts/login/", ["authenticated"] = false });
        if (!header.StartsWith("Token ", StringComparison.Ordinal) || header.Length > 200)
        {
            return (default, unauthorized);
        }

        var hash = SourceTokens.Hash(header["Token ".Length..].Trim());
        var token = await db.SourceApiTokens.AsNoTracking().Where(t => t.TokenHash == hash && t.RevokedAt == null)
            .Join(db.Sources, t => t.SourceId, s => s.Id, (t, s) => new { t.SourceId, s.Name }).SingleOrDefaultAsync(ct);
        if (token is null)
        {
            return (default, unauthorized);
        }

        return request.Headers["Source"].ToString() == token.Name ? (token.SourceId, null) : (default, Denied);
    }

    private static JsonHttpResult<object> Denied => Json(StatusCodes.Status403Forbidden, new { success = false, message = "Access denied!" });

    // The vendor's bodies are plain JSON with their own field names (not the API's snake_case policy), not problem details.
    private static readonly JsonSerializerOptions VendorJson = new();

    private static JsonHttpResult<object> Json(int status, object body) => TypedResults.Json(body, VendorJson, "application/json", status);

    public sealed record TokenRequest(string Name);

    public sealed record TokenCreated(Guid Id, string Name, string Source, string Token, DateTimeOffset DatetimeCreated);
}
