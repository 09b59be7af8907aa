using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AppHost.Startup;

/// <summary>
/// One line once every resource that reports health is healthy ("All 12 resources healthy in 9.1 s"), which scripts and
/// people wait for; and the line of each resource that fails to start, with where to read why.
/// </summary>
internal static class StartupProgress
{
    public static void LogWhenHealthy(this DistributedApplication app)
    {
        var started = Stopwatch.StartNew();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AppHost");
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        var lifetime = app.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>();
        var watched = app.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Where(r => r.Annotations.OfType<HealthCheckAnnotation>().Any())
            .ToList();
        _ = Task.Run(async () =>
        {
            try
            {
                await Task.WhenAll(watched.Select(async resource =>
                {
                    await notifications.WaitForResourceHealthyAsync(resource.Name, WaitBehavior.StopOnResourceUnavailable, lifetime.ApplicationStopping);
                    logger.LogDebug("{Resource} is healthy after {Seconds:0.0} s", resource.Name, started.Elapsed.TotalSeconds);
                }));
                logger.LogInformation("All {Count} resources healthy in {Seconds:0.0} s. Dashboard: see the login link above; `aspire describe` lists them.",
                    watched.Count, started.Elapsed.TotalSeconds);
            }
            catch (DistributedApplicationException unavailable)
            {
                logger.LogError("{Problem} Its console log (dashboard, or `aspire logs <resource>`) says why.", unavailable.Message);
            }
            catch (OperationCanceledException)
            {
            }
        });
    }
}
