using System.Collections.Concurrent;
using AppHost.Hosting;
using AppHost.Hosting.Orchestration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AppHost.Dashboard;

/// <summary>
/// The app host's web side: the OTLP/HTTP endpoint the services export to, and the resource API a dashboard page
/// reads. It accepts telemetry now so that the services' exporters have a real peer; keeping and showing it is
/// the dashboard's own work.
/// </summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardHost(WebApplication app, Uri url, Uri otlpHttpUrl)
    {
        _app = app;
        Url = url;
        OtlpHttpUrl = otlpHttpUrl;
    }

    public Uri Url { get; }

    public Uri OtlpHttpUrl { get; }

    public static async Task<DashboardHost> StartAsync(DashboardOptions options, PortAllocator ports, ResourceNotificationService notifications,
        ResourceLogStore logs, CancellationToken cancellationToken)
    {
        var uiPort = options.Port > 0 ? ports.Claim(options.Port, "the dashboard", "AppHost:Dashboard:Port") : ports.Allocate();
        var otlpPort = options.OtlpHttpPort > 0 ? ports.Claim(options.OtlpHttpPort, "the dashboard's OTLP/HTTP endpoint", "AppHost:Dashboard:OtlpHttpPort") : ports.Allocate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://localhost:{uiPort}", $"http://localhost:{otlpPort}");
        builder.Services.AddSingleton(notifications);
        builder.Services.AddSingleton(logs);
        var app = builder.Build();
        var received = new ConcurrentDictionary<string, long>();

        // OTLP/HTTP: an empty body is a valid (empty) Export*ServiceResponse in protobuf.
        foreach (var signal in new[] { "traces", "metrics", "logs" })
        {
            app.MapPost($"/v1/{signal}", async (HttpRequest request) =>
            {
                await request.Body.CopyToAsync(Stream.Null);
                received.AddOrUpdate(signal, 1, (_, n) => n + 1);
                return Results.Bytes([], "application/x-protobuf");
            }).RequireHost($"*:{otlpPort}");
        }

        app.MapGet("/api/resources", () => Results.Json(notifications.Current)).RequireHost($"*:{uiPort}");
        app.MapGet("/api/resources/{name}/logs", (string name) => Results.Json(logs.Get(name))).RequireHost($"*:{uiPort}");
        app.MapGet("/api/telemetry", () => Results.Json(received)).RequireHost($"*:{uiPort}");
        app.MapGet("/", () => Results.Text(
            string.Join(Environment.NewLine, notifications.Current.Select(s => $"{s.Name,-16} {s.State,-14} {s.Health,-10} {string.Join(" ", s.Endpoints)}")),
            "text/plain")).RequireHost($"*:{uiPort}");
        await app.StartAsync(cancellationToken);
        return new DashboardHost(app, new Uri($"http://localhost:{uiPort}/"), new Uri($"http://localhost:{otlpPort}/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
