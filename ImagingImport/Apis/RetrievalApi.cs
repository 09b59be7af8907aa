using System.Security.Cryptography;
using Imaging.ImagingImport.Cohort;
using Imaging.ImagingImport.Import;
using Imaging.ImagingImport.OpenApi;
using Imaging.ImagingImport.Sources;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Imaging.ImagingImport.Apis;

/// <summary>
/// The retrieval API of the seed (imaging-import-retrieval): import-status counts of a project's cohort, reimport of
/// its failed studies; beside them, starting a cohort's import and listing a project's studies. Callers send the
/// service key as X-Service-Key.
/// </summary>
public static class RetrievalApi
{
    public static IEndpointRouteBuilder MapRetrievalApi(this IEndpointRouteBuilder app)
    {
        var retrieval = app.MapGroup("/retrieval").RequireServiceKey().WithTags("retrieval");
        const int BadRequest = StatusCodes.Status400BadRequest, BadGateway = StatusCodes.Status502BadGateway;
        retrieval.MapGet("/import_status_count/{project_id}", StatusCountAsync).WithName("get_import_status_count")
            .WithSummary("The import states of a project's cohort: successful, failed, processing, queued and queue_failed counts.")
            .WithDescription("Counts the studies of the cohort encoded_query names. 404 when XNAT has no such project; 502 when XNAT cannot be asked.")
            .ProducesProblem(BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(BadGateway)
            .WithResponseExample(StatusCodes.Status200OK, RetrievalExamples.ProjectRetrieval);
        retrieval.MapPut("/reimport_imaging_project_studies/{project_id}", ReimportAsync).WithName("reimport_imaging_project_studies")
            .WithSummary("Queue the cohort's failed and queue_failed studies again (202).")
            .WithDescription("Each such study starts again from its first attempt. 403 when the deployment switched reimport off.")
            .ProducesProblem(BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .WithResponseExample(StatusCodes.Status202Accepted, RetrievalExamples.ReimportQueued);
        retrieval.MapPost("/import/{project_id}", ImportAsync).WithName("import_cohort")
            .WithSummary("Resolve the cohort at the source PACS and queue its studies for import into the XNAT project.")
            .WithDescription("Studies already tracked for the project are left as they are. 403 when the cohort is smaller than the deployment's "
                + "minimum (small cohorts identify people); 404 when the project does not exist and create_project is not true; 502 when the "
                + "source PACS or XNAT cannot be reached.")
            .ProducesProblem(BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(BadGateway)
            .WithResponseExample(StatusCodes.Status202Accepted, RetrievalExamples.ImportQueued)
            .WithResponseExample(StatusCodes.Status403Forbidden, RetrievalExamples.CohortTooSmall);
        retrieval.MapGet("/studies/{project_id}", StudiesAsync).WithName("list_project_studies")
            .WithSummary("A project's studies with status, attempts and last error (paged).")
            .ProducesProblem(BadRequest)
            .WithResponseExample(StatusCodes.Status200OK, RetrievalExamples.StudyPage);
        return app;
    }

    private static async Task<Results<Ok<RetrievalBodies.ProjectRetrieval>, ProblemHttpResult>> StatusCountAsync([FromRoute(Name = "project_id")] string projectId, [FromQuery(Name = "encoded_query")] string? encodedQuery, ImportDbContext db, XnatClient xnat, CancellationToken ct)
    {
        if (Parse(encodedQuery) is var (query, hash, problem) && problem is not null)
        {
            return problem;
        }

        if (await ProjectProblemAsync(projectId, xnat, ct) is { } missing)
        {
            return missing;
        }

        var counts = await db.Studies.Where(s => s.ProjectId == projectId && s.CohortHash == hash).GroupBy(s => s.Status)
            .Select(g => new { Status = g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Status, g => g.Count, ct);
        var project = await db.Projects.AsNoTracking().SingleOrDefaultAsync(p => p.ProjectId == projectId, ct);
        int Count(ImportStatus status) => counts.GetValueOrDefault(status);
        return TypedResults.Ok(new RetrievalBodies.ProjectRetrieval(project?.CreationCompleted ?? true, new RetrievalBodies.ImportStatusCounts(
            Count(ImportStatus.successful), Count(ImportStatus.failed), Count(ImportStatus.processing), Count(ImportStatus.queued), Count(ImportStatus.queue_failed))));
    }

    private static async Task<Results<Accepted<RetrievalBodies.ReimportQueued>, ProblemHttpResult>> ReimportAsync([FromRoute(Name = "project_id")] string projectId, [FromQuery(Name = "encoded_query")] string? encodedQuery, ImportDbContext db, IOptions<ImportOptions> options,
        ImportQueue queue, XnatClient xnat, XnatCaller caller, QueuedCallerIdentities callers, TimeProvider time, CancellationToken ct)
    {
        if (!options.Value.ReimportEnabled)
        {
            return TypedResults.Problem(title: "Reimport is switched off", statusCode: StatusCodes.Status403Forbidden,
                detail: "This deployment does not reimport studies (Import:ReimportEnabled is false); ask its administrator to switch it on.");
        }

        if (string.IsNullOrWhiteSpace(encodedQuery))
        {
            return TypedResults.Problem(title: "Empty query", detail: "Give the cohort whose failed studies to reimport as encoded_query: its JSON query, base64url-encoded.", statusCode: StatusCodes.Status400BadRequest);
        }

        if (Parse(encodedQuery) is var (_, hash, problem) && problem is not null)
        {
            return problem;
        }

        // A caller with XNAT credentials may reimport only into a project XNAT lets it see.
        if (caller.Present && await ProjectProblemAsync(projectId, xnat, ct) is { } refused)
        {
            return refused;
        }

        // One statement: two reimports at once queue each study once (the second finds nothing failed any more). The studies
        // are imported as whoever reimported them: the XNAT caller (its credentials held here) or the service account.
        var now = time.GetUtcNow();
        var asCaller = caller.Present;
        var (identityUntil, heldUntil) = (now + options.Value.CallerIdentityLifetime, now + options.Value.Lease);
        var queued = await db.Database.SqlQuery<long>($"""
            UPDATE study_imports SET status = 'queued', attempts = 0, next_attempt_at = {now}, datetime_updated = {now},
                   caller_identity_until = CASE WHEN {asCaller} THEN {identityUntil} END, caller_held_until = CASE WHEN {asCaller} THEN {heldUntil} END
            WHERE project_id = {projectId} AND cohort_hash = {hash} AND status IN ('failed', 'queue_failed')
            RETURNING id AS "Value"
            """).ToListAsync(ct);
        if (caller.Credentials is { } credentials)
        {
            callers.Hold(queued, credentials, identityUntil);
        }

        queue.Wake();
        return TypedResults.Accepted((string?)null, new RetrievalBodies.ReimportQueued("Reimport queued", projectId, queued.Count));
    }

    private static async Task<Results<Accepted<RetrievalBodies.ImportQueued>, ProblemHttpResult>> ImportAsync([FromRoute(Name = "project_id")] string projectId, [FromQuery(Name = "encoded_query")] string? encodedQuery, [FromQuery(Name = "create_project")] bool? createProject, ImportDbContext db, DicomWebSource source,
        XnatClient xnat, XnatCaller caller, QueuedCallerIdentities callers, ImportQueue queue, IOptions<ImportOptions> options, TimeProvider time, CancellationToken ct)
    {
        if (Parse(encodedQuery) is var (query, hash, problem) && problem is not null)
        {
            return problem;
        }

        if (!IsProjectId(projectId))
        {
            return TypedResults.Problem(title: "Invalid project id", detail: InvalidProjectId, statusCode: StatusCodes.Status400BadRequest);
        }

        Dictionary<string, SourceStudy> cohort = new(StringComparer.Ordinal);
        try
        {
            foreach (var search in query!.ToQidoSearches())
            {
                foreach (var study in await source.SearchStudiesAsync(search, ct))
                {
                    cohort.TryAdd(study.StudyInstanceUid, study);
                }
            }
        }
        catch (SourceUnavailableException unavailable)
        {
            return TypedResults.Problem(title: "Source PACS unavailable", detail: $"{unavailable.Message} Nothing was imported; try again later.", statusCode: StatusCodes.Status502BadGateway);
        }

        if (cohort.Count < options.Value.MinimumCohortSize)
        {
            return TypedResults.Problem(title: "Cohort too small", statusCode: StatusCodes.Status403Forbidden,
                detail: $"The query selects {cohort.Count} studies; at least {options.Value.MinimumCohortSize} are needed, as small cohorts identify people. Nothing was imported; widen the query.");
        }

        bool created;
        try
        {
            created = !await xnat.ProjectExistsAsync(projectId, ct);
            if (created && createProject != true)
            {
                return TypedResults.Problem(title: "Project not found", detail: $"XNAT has no project {projectId}; pass create_project=true to create it.",
                    statusCode: StatusCodes.Status404NotFound);
            }

            if (created)
            {
                await xnat.CreateProjectAsync(projectId, autoArchive: true, ct);
            }
        }
        catch (XnatRefusedException refused) when (CallerRefused(refused, xnat) is { } answer)
        {
            return answer;
        }
        catch (Exception error) when (error is XnatUnavailableException or XnatRefusedException)
        {
            return TypedResults.Problem(title: "XNAT unavailable", detail: $"{error.Message} Nothing was imported; try again later.", statusCode: StatusCodes.Status502BadGateway);
        }

        var now = time.GetUtcNow();
        if (!await db.Projects.AnyAsync(p => p.ProjectId == projectId, ct))
        {
            db.Projects.Add(new ImportProject { ProjectId = projectId, CreationCompleted = true, DatetimeCreated = now });
        }

        var uids = cohort.Keys.ToList();
        var known = (await db.Studies.Where(s => s.ProjectId == projectId && uids.Contains(s.StudyInstanceUid)).Select(s => s.StudyInstanceUid).ToListAsync(ct))
            .ToHashSet(StringComparer.Ordinal);
        // Queued by an XNAT caller: imported as that user, whose credentials this replica holds (in memory) until identityUntil.
        var identityUntil = now + options.Value.CallerIdentityLifetime;
        var added = new List<StudyImport>();
        foreach (var study in cohort.Values.Where(s => !known.Contains(s.StudyInstanceUid)))
        {
            added.Add(new StudyImport
            {
                ProjectId = projectId,
                CohortHash = hash!,
                StudyInstanceUid = study.StudyInstanceUid,
                PatientId = study.PatientId,
                AccessionNumber = study.AccessionNumber,
                SubjectLabel = Pseudonyms.SubjectLabel(options.Value.PseudonymKey, projectId, study.PatientId ?? study.StudyInstanceUid),
                Status = ImportStatus.queued,
                NextAttemptAt = now,
                CallerIdentityUntil = caller.Present ? identityUntil : null,
                CallerHeldUntil = caller.Present ? now + options.Value.Lease : null,
                DatetimeCreated = now,
            });
        }

        db.Studies.AddRange(added);
        await db.SaveChangesAsync(ct);
        if (caller.Credentials is { } credentials)
        {
            callers.Hold(added.Select(s => s.Id), credentials, identityUntil);
        }

        queue.Wake();
        return TypedResults.Accepted((string?)null, new RetrievalBodies.ImportQueued("Import queued", projectId, created, cohort.Count - known.Count, known.Count));
    }

    private static async Task<Results<Ok<RetrievalBodies.StudyPage>, ProblemHttpResult>> StudiesAsync([FromRoute(Name = "project_id")] string projectId, string? status, int? limit, int? offset, ImportDbContext db, XnatClient xnat,
        XnatCaller caller, CancellationToken ct)
    {
        // A caller with XNAT credentials sees only the studies of a project XNAT lets it see.
        if (caller.Present && await ProjectProblemAsync(projectId, xnat, ct) is { } refused)
        {
            return refused;
        }

        var take = Math.Clamp(limit ?? 100, 1, 1000);
        var skip = Math.Max(offset ?? 0, 0);
        var query = db.Studies.AsNoTracking().Where(s => s.ProjectId == projectId);
        if (status is not null)
        {
            if (!Enum.TryParse<ImportStatus>(status, ignoreCase: false, out var wanted))
            {
                return TypedResults.Problem(title: "Unknown status", detail: $"Use a status of {string.Join(", ", Enum.GetNames<ImportStatus>())}, or none for every study.",
                    statusCode: StatusCodes.Status400BadRequest);
            }

            query = query.Where(s => s.Status == wanted);
        }

        var total = await query.CountAsync(ct);
        var items = await query.OrderBy(s => s.Id).Skip(skip).Take(take)
            .Select(s => new RetrievalBodies.StudyItem(s.StudyInstanceUid, s.AccessionNumber, s.SubjectLabel, s.Status.ToString(), s.Attempts, s.LastError, s.NextAttemptAt,
                s.DatetimeImported,
                // Who the import runs as: the XNAT user who queued it (credentials held in memory), or the service account.
                s.CallerIdentityUntil != null ? "queuing_xnat_user" : "service_account"))
            .ToListAsync(ct);
        return TypedResults.Ok(new RetrievalBodies.StudyPage(total, take, skip, items));
    }

    private static (CohortQuery? Query, string? Hash, ProblemHttpResult? Problem) Parse(string? encoded)
    {
        try
        {
            var json = CohortQuery.DecodeBase64Url(encoded ?? "");
            return (CohortQuery.FromJson(json), Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json))), null);
        }
        catch (CohortQueryException invalid)
        {
            return (null, null, TypedResults.Problem(title: "Invalid cohort query", detail: $"{invalid.Message} Send the cohort's JSON query base64url-encoded as encoded_query.", statusCode: StatusCodes.Status400BadRequest));
        }
    }

    private static async Task<ProblemHttpResult?> ProjectProblemAsync(string project, XnatClient xnat, CancellationToken ct)
    {
        if (!IsProjectId(project))
        {
            return TypedResults.Problem(title: "Invalid project id", detail: InvalidProjectId, statusCode: StatusCodes.Status400BadRequest);
        }

        try
        {
            return await xnat.ProjectExistsAsync(project, ct)
                ? null
                : TypedResults.Problem(title: "Project not found", detail: $"XNAT has no project {project}; check the id, or import a cohort into it first.", statusCode: StatusCodes.Status404NotFound);
        }
        catch (XnatRefusedException refused) when (CallerRefused(refused, xnat) is { } answer)
        {
            return answer;
        }
        catch (Exception error) when (error is XnatUnavailableException or XnatRefusedException)
        {
            return TypedResults.Problem(title: "XNAT unavailable", detail: $"{error.Message} Try again later.", statusCode: StatusCodes.Status502BadGateway);
        }
    }

    /// <summary>XNAT's 401 or 403 to the caller's own credentials, passed on as such; null for the service account's (a 502).</summary>
    private static ProblemHttpResult? CallerRefused(XnatRefusedException refused, XnatClient xnat) => !xnat.ActsForCaller ? null : refused.Status switch
    {
        System.Net.HttpStatusCode.Unauthorized => TypedResults.Problem(title: "XNAT refused your credentials", detail: refused.Message, statusCode: StatusCodes.Status401Unauthorized),
        System.Net.HttpStatusCode.Forbidden => TypedResults.Problem(title: "No access to this XNAT project",
            detail: "XNAT does not let your user use this project; ask its owner for access.", statusCode: StatusCodes.Status403Forbidden),
        _ => null,
    };

    private const string InvalidProjectId = "Use an XNAT project id of 1 to 64 letters, digits, '-' and '_'.";

    private static bool IsProjectId(string project) => project.Length is > 0 and <= 64 && project.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>The service key check, with metadata that says so (tests find every endpoint that lacks both it and a reason to be open).</summary>
    private static RouteGroupBuilder RequireServiceKey(this RouteGroupBuilder group) =>
        group.AddEndpointFilter(CheckServiceKeyAsync).WithMetadata(ServiceKeyRequired.Instance);

    /// <summary>
    /// The service key (X-Service-Key), or else the caller's XNAT credentials (the seed's XNATAuthHeaders: HTTP Basic in
    /// Authorization, or Cookie: JSESSIONID=…), with which this request's XNAT calls are made.
    /// </summary>
    private static async ValueTask<object?> CheckServiceKeyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        var expected = context.HttpContext.RequestServices.GetRequiredService<IOptions<ImportOptions>>().Value.ServiceKey;
        var given = request.Headers["X-Service-Key"].ToString();
        if (given.Length > 0)
        {
            var ok = CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
            return ok ? await next(context) : Unauthenticated;
        }

        return context.HttpContext.RequestServices.GetRequiredService<XnatCaller>().TryRead(request) switch
        {
            true => await next(context),
            false => TypedResults.Problem(title: "Malformed XNAT credentials", statusCode: StatusCodes.Status401Unauthorized,
                detail: "Send XNAT credentials as 'Authorization: Basic base64(user:password)' or 'Cookie: JSESSIONID=<session id>', or the service key as X-Service-Key."),
            null => Unauthenticated,
        };
    }

    private static ProblemHttpResult Unauthenticated => TypedResults.Problem(title: "Service key or XNAT credentials missing or wrong", statusCode: StatusCodes.Status401Unauthorized,
        detail: "Send this deployment's service key in the X-Service-Key header, or your XNAT credentials (Authorization: Basic …, or Cookie: JSESSIONID=…).");
}

/// <summary>Endpoint metadata: callers must send the service key as X-Service-Key.</summary>
public sealed class ServiceKeyRequired
{
    public static readonly ServiceKeyRequired Instance = new();

    private ServiceKeyRequired()
    {
    }
}
