using Microsoft.EntityFrameworkCore;
using Npgsql.EntityFrameworkCore.PostgreSQL.Infrastructure;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The retry policy the services give Aspire's Npgsql EF Core integration in place of its default (six retries, up to
/// 30 s apart): a blip such as a broken pooled connection after a restart is retried at once, while an outage fails in
/// about two seconds, as a 503 the client can act on, rather than holding the request (decision 0013).
/// </summary>
public static class PostgresRetries
{
    /// <summary>
    /// Aspire's pooled <typeparamref name="TContext"/> on the connection string <paramref name="name"/> (with its health
    /// check and telemetry), retrying as <see cref="Short"/> does instead of Aspire's default.
    /// </summary>
    public static void AddServiceDbContext<TContext>(this IHostApplicationBuilder builder, string name) where TContext : DbContext =>
        builder.AddNpgsqlDbContext<TContext>(name, settings => settings.DisableRetry = true, options => options.UseNpgsql(Short));

    public static void Short(NpgsqlDbContextOptionsBuilder npgsql) =>
        npgsql.EnableRetryOnFailure(maxRetryCount: 2, maxRetryDelay: TimeSpan.FromSeconds(1), errorCodesToAdd: null);
}
