using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The retry policy the services give Aspire's Npgsql EF Core integration in place of its default (six retries, up to
/// 30 s apart): a blip such as a broken pooled connection after a restart is retried at once, while an outage fails in
/// about two seconds, as a 503 the client can act on, rather than holding the request (decision 0013).
/// </summary>
/// <example><code>
/// builder.AddNpgsqlDbContext&lt;ResultsDbContext&gt;("resultsdb",
///     settings => settings.DisableRetry = true, options => options.UseNpgsql(PostgresRetries.Short));
/// </code></example>
public static class PostgresRetries
{
    public static void Short(NpgsqlDbContextOptionsBuilder npgsql) =>
        npgsql.EnableRetryOnFailure(maxRetryCount: 2, maxRetryDelay: TimeSpan.FromSeconds(1), errorCodesToAdd: null);
}
