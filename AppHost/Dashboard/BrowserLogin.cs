using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace AppHost.Dashboard;

/// <summary>
/// The UI's login, as Aspire's dashboard does it: the app host prints a link with a token made for this run;
/// opening it sets a session cookie (HttpOnly, SameSite=Strict), and every page and API call needs that cookie.
/// </summary>
internal sealed class BrowserLogin(DashboardAddresses addresses)
{
    public const string CookieName = "dashboard_session";

    private readonly ConcurrentDictionary<string, byte> _sessions = new(StringComparer.Ordinal);

    public bool Required => addresses.LoginRequired;

    private string Token => addresses.BrowserToken;

    /// <summary>/login?t=…: a valid token starts a session and goes to the dashboard.</summary>
    public IResult Login(HttpContext context, string? t)
    {
        if (!Required)
        {
            return TypedResults.Redirect("/");
        }

        if (t is null || !Secrets.EqualInConstantTime(t, Token))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Not a valid login link",
                detail: "This link's token is not this run's. Use the login link the app host printed when it started (Dashboard: …/login?t=…).");
        }

        var session = Secrets.NewToken();
        _sessions[session] = 0;
        context.Response.Cookies.Append(CookieName, session, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            IsEssential = true,
        });
        return TypedResults.Redirect("/");
    }

    public bool IsSignedIn(HttpContext context) =>
        !Required || (context.Request.Cookies.TryGetValue(CookieName, out var session) && session is not null && _sessions.ContainsKey(session));
}

/// <summary>Random tokens and comparing them without leaking, through timing, how much of a guess was right.</summary>
internal static class Secrets
{
    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static bool EqualInConstantTime(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
