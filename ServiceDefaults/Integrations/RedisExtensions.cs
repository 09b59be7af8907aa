using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Redis by connection name: one shared IConnectionMultiplexer. Redis holds only what may be lost, so the service
/// starts and keeps working without it, and /health reports it as Degraded rather than Unhealthy.
/// </summary>
public static class RedisExtensions
{
    public static IHostApplicationBuilder AddRedisClient(this IHostApplicationBuilder builder, string connectionName)
    {
        var options = ConfigurationOptions.Parse(ConnectionStrings.Require(builder.Configuration, connectionName));
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 3000;
        options.ClientName = builder.Environment.ApplicationName;
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
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
