using System.Globalization;
using AppHost.Dashboard.Telemetry;
using AppHost.Hosting;
using AppHost.Hosting.Orchestration;

namespace AppHost.Dashboard;

/// <summary>
/// The real Aspire dashboard, run as its standalone container in place of ours when a person asks for it
/// (AppHost:Dashboard:UseAspireContainer) and a container engine answers. It shows telemetry only: the resource list
/// needs Aspire's resource service, which this app host does not serve.
/// </summary>
internal static class AspireDashboardContainer
{
    // The image's own ports: UI, OTLP/gRPC, OTLP/HTTP.
    public const int UiPort = 18888;
    public const int GrpcPort = 18889;
    public const int HttpPort = 18890;

    public static ProcessSpec Spec(DashboardOptions options, string engine, string containerName, DashboardAddresses addresses, string workingDirectory)
    {
        var environment = Settings(options, addresses.BrowserToken, addresses.OtlpApiKey);
        List<string> arguments =
        [
            "run", "--rm", "--name", containerName,
            "-p", $"127.0.0.1:{addresses.UiPort}:{UiPort}", "-p", $"127.0.0.1:{addresses.OtlpGrpcPort}:{GrpcPort}", "-p", $"127.0.0.1:{addresses.OtlpHttpPort}:{HttpPort}",
        ];
        foreach (var key in environment.Keys.Order(StringComparer.Ordinal))
        {
            // Name only: the value comes from the engine CLI's own environment, so the token and key stay out of the process list.
            arguments.AddRange(["-e", key]);
        }

        arguments.Add(options.AspireContainerImage);
        return new ProcessSpec("the Aspire dashboard (container)", engine, arguments, workingDirectory, environment)
        {
            Cleanup = new ProcessSpec("the Aspire dashboard (container removal)", engine, ["rm", "-f", containerName], workingDirectory, new Dictionary<string, string>()),
        };
    }

    /// <summary>The container's documented settings for our options: here for a run, and for a published compose file or Deployment.</summary>
    public static Dictionary<string, string> Settings(DashboardOptions options, string browserToken, string? otlpApiKey)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DASHBOARD__FRONTEND__AUTHMODE"] = options.AuthMode.ToString(),
            ["DASHBOARD__FRONTEND__BROWSERTOKEN"] = browserToken,
            ["DASHBOARD__OTLP__AUTHMODE"] = options.OtlpAuthMode.ToString(),
            ["DASHBOARD__TELEMETRYLIMITS__MAXLOGCOUNT"] = Text(options.TelemetryLimits.MaxLogCount),
            ["DASHBOARD__TELEMETRYLIMITS__MAXTRACECOUNT"] = Text(options.TelemetryLimits.MaxTraceCount),
            ["DASHBOARD__TELEMETRYLIMITS__MAXATTRIBUTECOUNT"] = Text(options.TelemetryLimits.MaxAttributeCount),
            ["DASHBOARD__TELEMETRYLIMITS__MAXATTRIBUTELENGTH"] = Text(options.TelemetryLimits.MaxAttributeLength),
            ["DASHBOARD__TELEMETRYLIMITS__MAXSPANEVENTCOUNT"] = Text(options.TelemetryLimits.MaxSpanEventCount),
        };
        if (otlpApiKey is not null)
        {
            environment["DASHBOARD__OTLP__PRIMARYAPIKEY"] = otlpApiKey;
        }

        return environment;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
