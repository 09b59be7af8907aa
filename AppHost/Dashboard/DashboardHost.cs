using System.Reflection;
using System.Text.Json.Serialization;
using AppHost.Dashboard.Apis;
using AppHost.Dashboard.Otlp;
using AppHost.Dashboard.Telemetry;
using AppHost.Hosting;
using AppHost.Hosting.Orchestration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AppHost.Dashboard;

/// <summary>
/// The app host's dashboard, on Aspire's conventions: an OTLP receiver (gRPC and HTTP/protobuf, guarded by
/// x-otlp-api-key) that keeps the services' telemetry in memory, and a web UI with its JSON API on its own port,
/// behind a login link made for the run.
/// </summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    public const string ApiKeyHeader = "x-otlp-api-key";

    private readonly WebApplication _app;

    private DashboardHost(WebApplication app, DashboardAddresses addresses, TelemetryStore telemetry)
    {
        _app = app;
        Addresses = addresses;
        Telemetry = telemetry;
    }

    public DashboardAddresses Addresses { get; }

    public Uri Url => Addresses.Url;

    public Uri LoginUrl => Addresses.LoginUrl;

    public Uri OtlpGrpcUrl => Addresses.OtlpGrpcUrl;

    public Uri OtlpHttpUrl => Addresses.OtlpHttpUrl;

    /// <summary>The key exports must carry, or null when the receiver is unsecured.</summary>
    public string? OtlpApiKey => Addresses.OtlpApiKey;

    public TelemetryStore Telemetry { get; }

    public static async Task<DashboardHost> StartAsync(DashboardOptions options, PortAllocator ports, ResourceNotificationService notifications,
        ResourceLogStore logs, ResourceControl control, CancellationToken cancellationToken)
    {
        var addresses = DashboardAddresses.Resolve(options, ports, "the dashboard");
        var (uiPort, grpcPort, httpPort, apiKey) = (addresses.UiPort, addresses.OtlpGrpcPort, addresses.OtlpHttpPort, addresses.OtlpApiKey);
        var login = new BrowserLogin(addresses);
        var store = new TelemetryStore(options.TelemetryLimits);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenLocalhost(uiPort);
            kestrel.ListenLocalhost(httpPort, listen => listen.Protocols = HttpProtocols.Http1AndHttp2);
            // gRPC without TLS needs HTTP/2 with prior knowledge, which is all this port speaks.
            kestrel.ListenLocalhost(grpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Limits.MaxRequestBodySize = OtlpHttpApi.MaxRequestBodyBytes;
        });
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = (int)OtlpHttpApi.MaxRequestBodyBytes;
            grpc.EnableDetailedErrors = false;
        });
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            json.SerializerOptions.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        });
        builder.Services.AddSingleton(notifications);
        builder.Services.AddSingleton(logs);
        builder.Services.AddSingleton(control);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton<OtlpConverter>();
        builder.Services.AddSingleton<OtlpCounters>();

        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            var port = context.Connection.LocalPort;
            if (port == grpcPort || port == httpPort)
            {
                if (apiKey is not null && !(context.Request.Headers[ApiKeyHeader].ToString() is { Length: > 0 } presented && Secrets.EqualInConstantTime(presented, apiKey)))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return;
                }
            }
            else if (port == uiPort)
            {
                SecurityHeaders(context.Response);
                // The page itself loads without a session: it asks for the login link when its API calls are refused.
                if (context.Request.Path.StartsWithSegments("/api") && !login.IsSignedIn(context))
                {
                    await TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Log in to the dashboard",
                        detail: "Open the login link the app host printed when it started (Dashboard: …/login?t=…).").ExecuteAsync(context);
                    return;
                }
            }

            await next(context);
        });

        app.MapGrpcService<OtlpTraceService>().RequireHost($"*:{grpcPort}");
        app.MapGrpcService<OtlpLogsService>().RequireHost($"*:{grpcPort}");
        app.MapGrpcService<OtlpMetricsService>().RequireHost($"*:{grpcPort}");
        app.MapOtlpHttp($"*:{httpPort}");

        var ui = $"*:{uiPort}";
        app.MapGet("/login", (HttpContext context, string? t) => login.Login(context, t)).RequireHost(ui);
        app.MapResourcesApi(ui);
        app.MapTelemetryApi(ui);
        MapPage(app, ui);

        await app.StartAsync(cancellationToken);
        return new DashboardHost(app, addresses, store);
    }

    /// <summary>The page and its script and style, embedded in the app host.</summary>
    private static void MapPage(WebApplication app, string host)
    {
        foreach (var (path, resource, contentType) in new[]
        {
            ("/", "wwwroot/index.html", "text/html; charset=utf-8"),
            ("/app.js", "wwwroot/app.js", "text/javascript; charset=utf-8"),
            ("/app.css", "wwwroot/app.css", "text/css; charset=utf-8"),
        })
        {
            app.MapGet(path, (HttpResponse response) =>
            {
                response.Headers.CacheControl = "no-cache";
                var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource);
                return stream is null ? Results.NotFound() : Results.Stream(stream, contentType);
            }).RequireHost(host);
        }
    }

    private static void SecurityHeaders(HttpResponse response)
    {
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
