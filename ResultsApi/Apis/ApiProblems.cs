using Imaging.ResultsApi.Auth;

namespace Imaging.ResultsApi.Apis;

/// <summary>The problem details every endpoint group answers with, worded for the person reading them.</summary>
internal static class ApiProblems
{
    public static bool TryParseId(string value, string what, out Guid id, out IResult problem)
    {
        if (Guid.TryParse(value, out id))
        {
            problem = null!;
            return true;
        }

        problem = TypedResults.Problem(
            title: "Malformed id",
            detail: $"'{Truncate(value)}' is not a valid {what}: expected a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6.",
            statusCode: StatusCodes.Status400BadRequest);
        return false;
    }

    public static IResult NotFound(string what, Guid id) =>
        TypedResults.Problem(title: $"{Capitalise(what)} not found", detail: $"There is no {what} {id}.", statusCode: StatusCodes.Status404NotFound);

    public static IResult OtherSource(string what) =>
        TypedResults.Problem(title: "Forbidden", detail: $"This {what} belongs to another source than yours.", statusCode: StatusCodes.Status403Forbidden);

    public static IResult BadRequest(string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: StatusCodes.Status400BadRequest);

    /// <summary>404 when missing, 403 when another source's, null when the caller may see it.</summary>
    public static IResult? Check(Guid? ownerSource, CurrentUser user, string what, Guid id) =>
        ownerSource is null ? NotFound(what, id) : ownerSource != user.SourceId ? OtherSource(what) : null;

    private static string Truncate(string value) => value.Length > 80 ? value[..80] + "…" : value;

    private static string Capitalise(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
