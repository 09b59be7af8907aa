using System.Buffers;

namespace Imaging.ResultsApi.Apis;

/// <summary>A user's reads of a session: the seed's results and measurements bodies, the session itself.</summary>
public static partial class QualitySessionsApi
{
    private static async Task<Results<FileContentHttpResult, JsonHttpResult<object>>> ResultsAsync([FromRoute(Name = "session_id")] string sessionId, HttpContext http, ResultsDbContext db, CancellationToken ct)
    {
        var session = await FindOwnAsync(sessionId, http, db, withBatch: false, ct);
        if (session is null)
        {
            return NoSession;
        }

        return TypedResults.Bytes(ResultsJson(session), "application/json");
    }

    private static async Task<Results<FileContentHttpResult, JsonHttpResult<object>>> MeasurementsAsync([FromRoute(Name = "session_id")] string sessionId, HttpContext http, ResultsDbContext db, CancellationToken ct)
    {
        var session = await FindOwnAsync(sessionId, http, db, withBatch: false, ct);
        if (session is null)
        {
            return NoSession;
        }

        return TypedResults.Bytes(Compose(json =>
        {
            json.WriteStartObject();
            json.WriteString("session_id", session.Id);
            json.WriteString("target", session.Target);
            json.WriteString("state", session.State.ToString());
            json.WriteString("reason", session.Reason);
            json.WritePropertyName("images");
            WriteMeasurements(json, session);
            json.WriteEndObject();
        }), "application/json");
    }

    private static async Task<Results<Ok<SessionOut>, JsonHttpResult<object>>> SessionAsync([FromRoute(Name = "session_id")] string sessionId, HttpContext http, ResultsDbContext db, CancellationToken ct)
    {
        var session = await FindOwnAsync(sessionId, http, db, withBatch: true, ct);
        if (session is null)
        {
            return NoSession;
        }

        return TypedResults.Ok(new SessionOut(session.Id, session.Target, session.State, session.Reason, session.CreatedAt, session.UpdatedAt,
            [.. Targets(session).Select(i => new SessionImageOut(i.FileName, i.Role, i.Size, i.Sha256))],
            [.. Batch(session).Select(i => new SessionFileOut(i.FileName, i.Size, i.Sha256))]));
    }

    /// <summary>
    /// The seed's body: each target image by name, before first, with the worker's result as it sent it once finished,
    /// and until then every level not completed and overall_score "None".
    /// </summary>
    private static byte[] ResultsJson(QualitySession session) => Compose(json =>
    {
        json.WriteStartObject();
        foreach (var image in Targets(session))
        {
            json.WritePropertyName(image.FileName);
            if (session.State == QualitySessionState.finished && image.ResultJson is { } result)
            {
                json.WriteRawValue(result);
                continue;
            }

            json.WriteStartObject();
            foreach (var level in Levels)
            {
                json.WriteStartObject(level);
                json.WriteBoolean("completed", false);
                json.WriteStartObject("results");
                json.WriteBoolean("passed", false);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteString("image_tag", image.Role.ToString());
            json.WriteString("overall_score", "None");
            json.WriteEndObject();
        }

        json.WriteEndObject();
    });

    /// <summary>Each target image's measurements as the worker sent them, or null before it reported.</summary>
    private static void WriteMeasurements(Utf8JsonWriter json, QualitySession session)
    {
        json.WriteStartObject();
        foreach (var image in Targets(session))
        {
            json.WritePropertyName(image.FileName);
            if (image.MeasurementsJson is { } measurements)
            {
                json.WriteRawValue(measurements);
            }
            else
            {
                json.WriteNullValue();
            }
        }

        json.WriteEndObject();
    }

    private static byte[] Compose(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static IEnumerable<QualitySessionImage> Targets(QualitySession session) =>
        session.Images.Where(i => i.Role != QualityImageRole.batch).OrderBy(i => i.Role);

    private static IEnumerable<QualitySessionImage> Batch(QualitySession session) =>
        session.Images.Where(i => i.Role == QualityImageRole.batch).OrderBy(i => i.FileName, StringComparer.Ordinal);

    /// <summary>The caller's session, or null when the id is malformed, unknown or another source's: the seed has one answer for all three.</summary>
    private static async Task<QualitySession?> FindOwnAsync(string idText, HttpContext http, ResultsDbContext db, bool withBatch, CancellationToken ct)
    {
        if (!Guid.TryParse(idText, out var id))
        {
            return null;
        }

        var source = CurrentUser.From(http.User).SourceId;
        var sessions = db.QualitySessions.AsNoTracking();
        sessions = withBatch ? sessions.Include(s => s.Images) : sessions.Include(s => s.Images.Where(i => i.Role != QualityImageRole.batch));
        return await sessions.SingleOrDefaultAsync(s => s.Id == id && s.SourceId == source, ct);
    }

    private static JsonHttpResult<object> NoSession => TypedResults.Json<object>(new { error = "session does not exist" }, SeedJson, "application/json", StatusCodes.Status404NotFound);
}
