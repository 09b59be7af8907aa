using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Turns a fault of something the service depends on into the answer a client can act on, instead of a 500: the
/// database out of reach (restarting, stopped, refusing connections) is 503 with Retry-After, and a full disk under
/// the storage root is 507. Everything else stays with the default handler.
/// </summary>
public sealed partial class DependencyFaultHandler(IProblemDetailsService problems, ILogger<DependencyFaultHandler> logger) : IExceptionHandler
{
    /// <summary>Seconds a client should wait before trying again while the database is away: about one restart.</summary>
    public const int RetryAfterSeconds = 5;

    // errno values .NET puts in an IOException's HResult on Linux: ENOSPC, EDQUOT; and Windows' disk-full codes.
    private static readonly int[] DiskFullCodes = [28, 122, unchecked((int)0x80070070), unchecked((int)0x80070027)];

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (IsDiskFull(exception))
        {
            LogDiskFull(logger, httpContext.Request.Method, httpContext.Request.Path, exception.Message);
            return await WriteAsync(httpContext, exception, StatusCodes.Status507InsufficientStorage, "Storage full",
                "The service has no room left to store this upload; nothing of it was kept. Try again once space is freed, or tell the administrator.");
        }

        if (IsDatabaseUnavailable(exception))
        {
            LogDatabaseUnavailable(logger, httpContext.Request.Method, httpContext.Request.Path, Innermost(exception).Message);
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return await WriteAsync(httpContext, exception, StatusCodes.Status503ServiceUnavailable, "Database unavailable",
                $"The service cannot reach its database at the moment; nothing was changed. Try again in {RetryAfterSeconds} seconds.");
        }

        return false;
    }

    /// <summary>No space (or quota) left on the device, anywhere in the exception's causes.</summary>
    public static bool IsDiskFull(Exception exception) =>
        Causes(exception).Any(e => e is IOException io && DiskFullCodes.Contains(io.HResult));

    /// <summary>
    /// The database cannot be reached or is going away: a connection refused or broken, a server shutting down or not
    /// yet accepting connections, or retries that ran out on such faults. Query errors (a constraint, bad SQL) are not.
    /// </summary>
    public static bool IsDatabaseUnavailable(Exception exception) => Causes(exception).Any(e => e switch
    {
        PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal) || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal)
            || postgres.SqlState == PostgresErrorCodes.TooManyConnections,
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is SocketException or IOException or TimeoutException,
        RetryLimitExceededException => Causes(e).Skip(1).Any(inner => inner is NpgsqlException),
        _ => false,
    });

    private async ValueTask<bool> WriteAsync(HttpContext httpContext, Exception exception, int status, string title, string detail)
    {
        if (httpContext.Response.HasStarted)
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = title,
                Detail = detail,
            },
        });
    }

    private static IEnumerable<Exception> Causes(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    private static Exception Innermost(Exception exception) => Causes(exception).Last();

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: the database is unavailable ({Reason})")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string method, PathString path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} answered 507: the storage is full ({Reason})")]
    private static partial void LogDiskFull(ILogger logger, string method, PathString path, string reason);
}
