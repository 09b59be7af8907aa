using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Redis through Aspire's client integration (Aspire.StackExchange.Redis: one IConnectionMultiplexer, its traces and
/// configuration keys), set up for what Redis holds here: only what may be lost. The service starts and keeps working
/// without it (no abort on a failed connect), and /health reports it Degraded rather than Unhealthy (decision 0013).
/// </summary>
public static class RedisExtensions
{
    public static IHostApplicationBuilder AddOptionalRedisClient(this IHostApplicationBuilder builder, string connectionName)
    {
        builder.AddRedisClient(connectionName,
            // Aspire's own check reports Unhealthy, which would take the service out of rotation for a cache outage.
            settings => settings.DisableHealthChecks = true,
            options =>
            {
                options.AbortOnConnectFail = false;
                options.ConnectTimeout = 3000;
                options.ClientName = builder.Environment.ApplicationName;
            });
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            $"redis:{connectionName}",
            services => new RedisHealthCheck(services.GetRequiredService<IConnectionMultiplexer>()),
            HealthStatus.Degraded,
            ["ready", "redis"],
            TimeSpan.FromSeconds(3)));
        return builder;
    }

    private sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var latency = await redis.GetDatabase().PingAsync().WaitAsync(cancellationToken);
                return HealthCheckResult.Healthy($"Redis answers PING in {latency.TotalMilliseconds:0.0} ms.");
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
            {
                return new HealthCheckResult(context.Registration.FailureStatus, $"Redis does not answer; running without the cache: {ex.Message}", ex);
            }
        }
    }
}
