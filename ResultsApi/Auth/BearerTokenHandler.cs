using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;

namespace Imaging.ResultsApi.Auth;

/// <summary>"Authorization: Bearer &lt;token&gt;" for the opaque tokens of <see cref="TokenService"/>.</summary>
public sealed class BearerTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("The Authorization header is not a Bearer token.");
        }

        var tokens = Context.RequestServices.GetRequiredService<TokenService>();
        var user = await tokens.ValidateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (user is null)
        {
            return AuthenticateResult.Fail("The access token is unknown or expired.");
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, user.Username), new Claim(ClaimTypes.Role, user.Role), new Claim(CurrentUser.SourceClaim, user.SourceId.ToString())],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failed = Request.Headers.Authorization.Count > 0;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = failed ? "Bearer error=\"invalid_token\"" : "Bearer";
        await Results.Problem(
            title: "Authentication required",
            detail: failed ? "The access token is unknown, malformed or expired. Log in again at POST /api/v1/userlogin/login."
                : "Send 'Authorization: Bearer <token>'; get a token at POST /api/v1/userlogin/login.",
            statusCode: StatusCodes.Status401Unauthorized).ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Results.Problem(title: "Role not allowed", statusCode: StatusCodes.Status403Forbidden,
            detail: "Your role may not do this (the operation's description in /openapi/v1.json names the roles that may); log in as a user who has one of them.")
            .ExecuteAsync(Context);
    }
}
