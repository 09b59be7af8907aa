using System.Security.Claims;

namespace Imaging.ResultsApi.Auth;

/// <summary>Who is calling: the user, its role and the source (tenant) whose data it may see.</summary>
public sealed record CurrentUser(string Username, string Role, Guid SourceId)
{
    public const string SourceClaim = "source_id";

    public static CurrentUser From(ClaimsPrincipal principal) => new(
        principal.Identity?.Name ?? throw new InvalidOperationException("The request is not authenticated."),
        principal.FindFirstValue(ClaimTypes.Role) ?? "",
        Guid.Parse(principal.FindFirstValue(SourceClaim) ?? throw new InvalidOperationException("The principal has no source.")));
}
