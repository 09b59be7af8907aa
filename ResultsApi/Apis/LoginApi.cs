namespace Imaging.ResultsApi.Apis;

/// <summary>POST /api/v1/userlogin/login: the OAuth2 password grant as a form; an opaque bearer token in return.</summary>
public static class LoginApi
{
    public static IEndpointRouteBuilder MapLoginApi(this IEndpointRouteBuilder app)
    {
        var login = app.MapGroup("/api/v1/userlogin").WithTags("login");
        login.MapPost("/login", LoginAsync).DisableAntiforgery().AllowAnonymous().RequireRateLimiting(RateLimits.LoginPolicy).WithNoStore()
            .WithName("login")
            .WithSummary("Log in with username and password (application/x-www-form-urlencoded); returns an access token.")
            .WithDescription("The OAuth2 password grant as a form. Send the token as 'Authorization: Bearer <access_token>'; it expires after "
                + "expires_in seconds unused. Attempts are limited per client address and per username (429 with Retry-After).")
            .WithMetadata(new DocumentedBody(null, "application/x-www-form-urlencoded", JsonSchemaType.Object, "The OAuth2 password grant.",
                ["username:text", "password:text", "grant_type:text"]))
            .ProducesError(StatusCodes.Status400BadRequest, "Not a form, another grant_type than 'password', or no username or password.")
            .ProducesError(StatusCodes.Status401Unauthorized, "The username or the password is wrong.")
            .WithResponseExample(StatusCodes.Status200OK, """{"access_token": "k3n0Vb1…", "token_type": "bearer", "expires_in": 3600, "username": "admin", "role": "admin"}""");
        login.MapPost("/logout", LogoutAsync).RequireAuthorization().WithName("logout").WithSummary("Revoke the access token used for this request.");
        return app;
    }

    private static async Task<Results<Ok<TokenOut>, ProblemHttpResult, RateLimits.RetryAfterResult>> LoginAsync(HttpRequest request, TokenService tokens,
        LoginUsernameLimiter limiter, IOptions<AuthOptions> options, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            return ApiProblems.BadRequest("Not a form", "Send username and password as application/x-www-form-urlencoded (the OAuth2 password grant).");
        }

        var form = await request.ReadFormAsync(ct);
        var grant = form["grant_type"].ToString();
        if (grant.Length > 0 && grant != "password")
        {
            return ApiProblems.BadRequest("Unsupported grant", $"grant_type '{grant}' is not supported; use 'password'.");
        }

        var (username, password) = (form["username"].ToString(), form["password"].ToString());
        if (username.Length == 0 || password.Length == 0 || username.Length > 128 || password.Length > 1024)
        {
            return ApiProblems.BadRequest("Missing credentials", "Send the form fields username (at most 128 characters) and password (at most 1024).");
        }

        if (limiter.Refuse(username) is { } tooMany)
        {
            return tooMany;
        }

        var issued = await tokens.LoginAsync(username, password, ct);
        if (issued is null)
        {
            return TypedResults.Problem(title: "Login failed", detail: "The username or the password is wrong; check both and try again.", statusCode: StatusCodes.Status401Unauthorized);
        }

        var expiresIn = (long)options.Value.IdleTimeout.TotalSeconds;
        return TypedResults.Ok(new TokenOut(issued.AccessToken, "bearer", expiresIn, issued.User.Username, issued.User.Role));
    }

    private static async Task<NoContent> LogoutAsync(HttpRequest request, TokenService tokens, CancellationToken ct)
    {
        await tokens.RevokeAsync(request.Headers.Authorization.ToString()["Bearer ".Length..].Trim(), ct);
        return TypedResults.NoContent();
    }
}
