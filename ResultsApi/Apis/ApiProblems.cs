namespace Imaging.ResultsApi.Apis;

/// <summary>The problem details every endpoint group answers with, worded for the person reading them.</summary>
internal static class ApiProblems
{
    public static bool TryParseId(string value, string what, out Guid id, out ProblemHttpResult problem)
    {
        if (Guid.TryParse(value, out id))
        {
            problem = null!;
            return true;
        }

        problem = TypedResults.Problem(
            title: "Malformed id",
            detail: $"'{value.Shorten(80)}' is not a valid {what}: use a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6, as the API answered it.",
            statusCode: StatusCodes.Status400BadRequest);
        return false;
    }

    /// <summary>The integer ids of the workflow manager (records, workflow definitions): positive, digits only; 400 otherwise.</summary>
    public static bool TryParseNumber(string value, string what, out int id, out ProblemHttpResult problem)
    {
        if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id) && id > 0)
        {
            problem = null!;
            return true;
        }

        problem = BadRequest("Malformed id", $"'{value.Shorten(80)}' is not a valid {what}: use a positive integer, as the API answered it.");
        return false;
    }

    public static ProblemHttpResult NotFound(string what, Guid id) =>
        TypedResults.Problem(title: $"{Capitalise(what)} not found", detail: $"There is no {what} {id}; it may have been deleted. Check the id.",
            statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult OtherSource(string what) =>
        TypedResults.Problem(title: $"Another source's {what}", statusCode: StatusCodes.Status403Forbidden,
            detail: $"This {what} belongs to another source than yours; only users of its own source may use it. Check the id.");

    public static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status400BadRequest);

    /// <summary>The refusal of an item to a caller: 404 when missing, 403 when another source's, null when the caller may see it (the worker's service account sees every source).</summary>
    public static ProblemHttpResult? Refusal(Guid? ownerSource, CurrentUser user, string what, Guid id) =>
        ownerSource is null ? NotFound(what, id) : ownerSource != user.SourceId && user.Role != Roles.Service ? OtherSource(what) : null;

    /// <summary>
    /// The preamble of every endpoint that addresses one item: parse its id (400), load it with the source it belongs
    /// to, then 404 when missing or 403 when another source's. Either <c>Refusal</c> or <c>Item</c> is set.
    /// </summary>
    public static async Task<(Guid Id, T? Item, ProblemHttpResult? Refusal)> FindOwnedAsync<T>(string idText, string what, CurrentUser user,
        Func<Guid, Task<(T? Item, Guid? Source)>> load)
    {
        if (!TryParseId(idText, $"{what} id", out var id, out var problem))
        {
            return (id, default, problem);
        }

        var (item, source) = await load(id);
        return (id, item, Refusal(source, user, what, id));
    }

    /// <summary>
    /// Reads a multipart form: 413 when the body is over the upload limit (with or without a Content-Length: a chunked
    /// body is counted as it is read), 400 "Too many parts" over the part limit, 400 when it is malformed. Nothing is
    /// written to the storage root while the form is read (the framework buffers large parts in its own temporary files).
    /// </summary>
    public static async Task<(IFormCollection? Form, ProblemHttpResult? Problem)> ReadFormAsync(HttpRequest request, long maxUploadBytes, CancellationToken ct)
    {
        var body = new UploadLimitStream(request.Body, maxUploadBytes + StorageOptions.MultipartOverheadBytes);
        request.Body = body;
        try
        {
            return (await request.ReadFormAsync(ct), null);
        }
        catch (Exception tooLarge) when (tooLarge is UploadTooLargeException || tooLarge is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            return (null, InputLimits.TooLarge(maxUploadBytes));
        }
        catch (InvalidDataException unreadable)
        {
            // The form reader's limits: a part over MultipartBodyLengthLimit (the upload limit) or more parts than ValueCountLimit.
            return (null, request.ContentLength > maxUploadBytes || body.BytesRead > maxUploadBytes
                ? InputLimits.TooLarge(maxUploadBytes)
                : unreadable.Message.Contains("count limit", StringComparison.Ordinal)
                    ? BadRequest("Too many parts", $"{unreadable.Message} Send the files in several requests.")
                    : BadRequest("Malformed form", $"{unreadable.Message} Send a well-formed multipart/form-data body."));
        }
    }

    private static string Capitalise(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
