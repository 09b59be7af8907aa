using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Microsoft.Extensions.Hosting;

/// <summary>PostgreSQL by connection name: an NpgsqlDataSource or an EF Core DbContext, with a health check and traces.</summary>
public static class NpgsqlExtensions
{
    public static IHostApplicationBuilder AddNpgsqlDataSource(this IHostApplicationBuilder builder, string connectionName,
        Action<NpgsqlDataSourceBuilder>? configure = null)
    {
        var connectionString = ConnectionStrings.Require(builder.Configuration, connectionName);
        builder.Services.AddSingleton(_ =>
        {
            var dataSource = new NpgsqlDataSourceBuilder(connectionString);
            configure?.Invoke(dataSource);
            return dataSource.Build();
        });
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            $"postgres:{connectionName}",
            services => new NpgsqlHealthCheck(services.GetRequiredService<NpgsqlDataSource>()),
            HealthStatus.Unhealthy,
            ["ready", "postgres"],
            TimeSpan.FromSeconds(5)));
        return builder;
    }

    public static IHostApplicationBuilder AddNpgsqlDbContext<TContext>(this IHostApplicationBuilder builder, string connectionName,
        Action<DbContextOptionsBuilder>? configure = null, Action<NpgsqlDataSourceBuilder>? configureDataSource = null)
        where TContext : DbContext
    {
        builder.AddNpgsqlDataSource(connectionName, configureDataSource);
        builder.Services.AddDbContextPool<TContext>((services, options) =>
        {
            // A blip (a broken pooled connection after a restart) is retried at once; an outage fails within about two
            // seconds, as a 503, rather than holding the request through retries that wait up to 30 s each.
            options.UseNpgsql(services.GetRequiredService<NpgsqlDataSource>(),
                npgsql => npgsql.EnableRetryOnFailure(maxRetryCount: 2, maxRetryDelay: TimeSpan.FromSeconds(1), errorCodesToAdd: null));
            configure?.Invoke(options);
        });
        return builder;
    }

    private sealed class NpgsqlHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy($"PostgreSQL database '{new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).Database}' answers.");
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, $"PostgreSQL does not answer: {ex.Message}", ex);
            }
        }
    }
}
