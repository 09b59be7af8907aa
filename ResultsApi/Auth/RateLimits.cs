using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;

namespace Imaging.ResultsApi.Auth;

/// <summary>How many attempts the login and the source token endpoints take per window (RateLimits section); fixed windows in real time, per replica.</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>
    /// Login attempts per client IP address and window, successful ones included. Looser than the per-username limit,
    /// which is what bounds password guessing: many users and service accounts share an address behind a proxy or NAT.
    /// </summary>
    [Range(1, 1_000_000)]
    public int LoginPerClient { get; set; } = 60;

    /// <summary>Login attempts per username and window, from any address: a password guesser spread over many addresses is slowed down too.</summary>
    [Range(1, 1_000_000)]
    public int LoginPerUsername { get; set; } = 10;

    /// <summary>Source token creations and revocations per user (or client IP address) and window.</summary>
    [Range(1, 1_000_000)]
    public int TokensPerUser { get; set; } = 10;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// ASP.NET Core's rate limiter on the endpoints that take secrets: a refused attempt gets 429 with Retry-After (whole
/// seconds) and a problem details body saying when to try again.
/// </summary>
public static class RateLimits
{
    public const string LoginPolicy = "login";
    public const string TokensPolicy = "source-tokens";

    public static IServiceCollection AddResultsApiRateLimits(this IServiceCollection services)
    {
        services.AddValidatedOptions<RateLimitOptions>(RateLimitOptions.SectionName);
        services.AddSingleton<LoginUsernameLimiter>();
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(LoginPolicy, context => Partition("client:" + Client(context), context, o => o.LoginPerClient));
            limiter.AddPolicy(TokensPolicy, context => Partition(
                context.User.Identity is { IsAuthenticated: true, Name: { } name } ? "user:" + name : "client:" + Client(context), context, o => o.TokensPerUser));
            limiter.OnRejected = (rejected, ct) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : (TimeSpan?)null;
                return new ValueTask(TooManyAttempts(retryAfter).ExecuteAsync(rejected.HttpContext));
            };
        });
        return services;
    }

    /// <summary>429 with Retry-After in whole seconds (at least 1) and a problem details body that says the same.</summary>
    public static RetryAfterResult TooManyAttempts(TimeSpan? retryAfter)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling((retryAfter ?? TimeSpan.FromSeconds(1)).TotalSeconds));
        return new RetryAfterResult(seconds, TypedResults.Problem(
            title: "Too many attempts",
            detail: $"Too many attempts from you in a short time; try again in {seconds} second{(seconds == 1 ? "" : "s")}.",
            statusCode: StatusCodes.Status429TooManyRequests));
    }

    private static string Client(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static RateLimitPartition<string> Partition(string key, HttpContext context, Func<RateLimitOptions, int> permits)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits(options),
            Window = options.Window,
            QueueLimit = 0,
        });
    }

    /// <summary>A problem with the Retry-After header in whole seconds.</summary>
    public sealed class RetryAfterResult(long seconds, IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return inner.ExecuteAsync(httpContext);
        }
    }
}

/// <summary>The per-username login limit: the username is in the form, so the login handler asks once it has read it.</summary>
public sealed class LoginUsernameLimiter(IOptions<RateLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(username =>
        RateLimitPartition.GetFixedWindowLimiter(username, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.LoginPerUsername,
            Window = options.Value.Window,
            QueueLimit = 0,
        }));

    /// <summary>Null when the attempt may go ahead, otherwise the 429 to answer.</summary>
    public RateLimits.RetryAfterResult? Refuse(string username)
    {
        // Usernames are matched exactly at login; folding case here only makes the limit stricter.
        using var lease = _limiter.AttemptAcquire(username.ToUpperInvariant());
        return lease.IsAcquired ? null : RateLimits.TooManyAttempts(lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : null);
    }

    public void Dispose() => _limiter.Dispose();
}
