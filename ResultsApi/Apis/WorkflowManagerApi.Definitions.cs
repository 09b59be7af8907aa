namespace Imaging.ResultsApi.Apis;

/// <summary>Workflow definitions: created, listed, read, replaced and deleted by their source's users, checked before they are kept.</summary>
public static partial class WorkflowManagerApi
{
    private const string DefinitionExample = """{"name": "cartesian", "description": "2D Cartesian reconstruction", "version": "1", "author": "imaging", "definition": {"steps": ["fft"]}}""";

    private static async Task<Results<Created<WorkflowDefinitionOut>, ProblemHttpResult>> CreateAsync(WorkflowDefinitionIn payload, ResultsDbContext db, HttpContext http, TimeProvider time,
        IOptions<StorageOptions> limits, CancellationToken ct)
    {
        if (Validate(payload, limits.Value.MaxJsonDepth) is { } invalid)
        {
            return invalid;
        }

        var definition = new WorkflowDefinition
        {
            SourceId = CurrentUser.From(http.User).SourceId,
            Name = payload.Name,
            Version = payload.Version,
            DatetimeCreated = time.GetUtcNow(),
        };
        Apply(definition, payload);
        db.WorkflowDefinitions.Add(definition);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException refused) when (refused.InnerException is Npgsql.PostgresException)
        {
            // Valid JSON the database still will not keep (a \u0000 in the definition, a NUL in a name): the seed's 404.
            return TypedResults.Problem(title: "Creation unsuccessful", statusCode: StatusCodes.Status404NotFound,
                detail: $"The database refused the workflow ({((Npgsql.PostgresException)refused.InnerException).MessageText}); nothing was created. Remove NUL characters (\\u0000) from the name and definition.");
        }

        return TypedResults.Created($"/api/v1/workflow/{definition.Id}", WorkflowDefinitionOut.From(definition));
    }

    private static async Task<Ok<List<WorkflowDefinitionOut>>> ListAsync(ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var source = CurrentUser.From(http.User).SourceId;
        var items = await db.WorkflowDefinitions.AsNoTracking().Where(w => w.SourceId == source).OrderBy(w => w.Id).ToListAsync(ct);
        return TypedResults.Ok(items.Select(WorkflowDefinitionOut.From).ToList());
    }

    private static async Task<Ok<List<WorkflowMetaOut>>> MetaListAsync(ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var source = CurrentUser.From(http.User).SourceId;
        var items = await db.WorkflowDefinitions.AsNoTracking().Where(w => w.SourceId == source).OrderBy(w => w.Id)
            .Select(w => new WorkflowMetaOut(w.Id, w.Name, w.Description, w.Version, w.Author)).ToListAsync(ct);
        return TypedResults.Ok(items);
    }

    private static async Task<Results<Ok<WorkflowDefinitionOut>, ProblemHttpResult>> GetAsync([FromRoute(Name = "workflow_id")] string workflowId, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var (definition, refused) = await FindDefinitionAsync(workflowId, db, http, ct);
        return refused is not null ? refused : TypedResults.Ok(WorkflowDefinitionOut.From(definition!));
    }

    private static async Task<Results<Ok<WorkflowDefinitionOut>, ProblemHttpResult>> UpdateAsync([FromRoute(Name = "workflow_id")] string workflowId, WorkflowDefinitionIn payload, ResultsDbContext db, HttpContext http, TimeProvider time,
        IOptions<StorageOptions> limits, CancellationToken ct)
    {
        var (definition, refused) = await FindDefinitionAsync(workflowId, db, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        if (Validate(payload, limits.Value.MaxJsonDepth) is { } invalid)
        {
            return invalid;
        }

        Apply(definition!, payload);
        definition!.DatetimeUpdated = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(WorkflowDefinitionOut.From(definition));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync([FromRoute(Name = "workflow_id")] string workflowId, ResultsDbContext db, HttpContext http, CancellationToken ct)
    {
        var (definition, refused) = await FindDefinitionAsync(workflowId, db, http, ct);
        if (refused is not null)
        {
            return refused;
        }

        db.WorkflowDefinitions.Remove(definition!);
        await db.SaveChangesAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<(WorkflowDefinition? Definition, ProblemHttpResult? Refusal)> FindDefinitionAsync(string idText, ResultsDbContext db, HttpContext http,
        CancellationToken ct)
    {
        if (!ApiProblems.TryParseNumber(idText, "workflow id", out var id, out var problem))
        {
            return (null, problem);
        }

        var definition = await db.WorkflowDefinitions.SingleOrDefaultAsync(w => w.Id == id, ct);
        var refused = definition is null
            ? TypedResults.Problem(title: "Workflow not found", detail: $"There is no workflow {id}; GET /api/v1/workflow/ lists yours.", statusCode: StatusCodes.Status404NotFound)
            : ApiProblems.Refusal(definition.SourceId, CurrentUser.From(http.User), "workflow", Guid.Empty);
        return refused is null ? (definition, null) : (null, refused);
    }

    private static ProblemHttpResult? Validate(WorkflowDefinitionIn payload, int maxJsonDepth)
    {
        if (InputLimits.CheckNesting(payload.Definition, "The definition", maxJsonDepth) is { } tooDeep)
        {
            return ApiProblems.BadRequest("JSON too deep", tooDeep);
        }

        if (string.IsNullOrWhiteSpace(payload.Name) || payload.Name.Length > 200)
        {
            return ApiProblems.BadRequest("Invalid name", "A workflow needs a name: send one of 1 to 200 characters.");
        }

        if (string.IsNullOrWhiteSpace(payload.Version) || payload.Version.Length > 50)
        {
            return ApiProblems.BadRequest("Invalid version", "A workflow needs a version: send one of 1 to 50 characters.");
        }

        return payload.Definition is { ValueKind: not (JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Undefined or JsonValueKind.Null) }
            ? ApiProblems.BadRequest("Invalid definition", "Send the definition as a JSON object or array.")
            : null;
    }

    private static void Apply(WorkflowDefinition definition, WorkflowDefinitionIn payload)
    {
        definition.Name = payload.Name.Trim();
        definition.Description = payload.Description;
        definition.Version = payload.Version.Trim();
        definition.Author = payload.Author;
        definition.Definition = payload.Definition is { ValueKind: JsonValueKind.Object or JsonValueKind.Array } json ? json.GetRawText() : "{}";
    }
}
