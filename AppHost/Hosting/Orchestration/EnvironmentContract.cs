using System.Globalization;

namespace AppHost.Hosting.Orchestration;

/// <summary>
/// Where the services send telemetry, and the OTLP headers they send with it (the dashboard's API key); null when
/// the dashboard is off (then no OTLP variables, as in Aspire).
/// </summary>
public sealed record TelemetrySettings(string OtlpEndpoint, string OtlpProtocol, string? OtlpHeaders = null);

/// <summary>
/// The environment a process receives: exactly Aspire's variables, so a service written for Aspire runs here
/// unchanged, and one written here runs under Aspire. The app host's run and every publisher call this one method;
/// only the <see cref="ValueResolver"/> (addresses, parameters, volumes) differs.
/// </summary>
public static class EnvironmentContract
{
    public static Dictionary<string, string> For(Resource resource, int replica, string replicaId, string environmentName, TelemetrySettings? telemetry) =>
        For(resource, replica, replicaId, environmentName, telemetry, RunValues.Instance);

    /// <param name="replicaId">The replica's service.instance.id; null where the platform names replicas (published), and the SDK makes one.</param>
    public static Dictionary<string, string> For(Resource resource, int replica, string? replicaId, string environmentName, TelemetrySettings? telemetry, ValueResolver values)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (resource is ProjectResource project)
        {
            environment["ASPNETCORE_URLS"] = values.ListenUrl(project, replica);
            environment["ASPNETCORE_ENVIRONMENT"] = environmentName;
            environment["DOTNET_ENVIRONMENT"] = environmentName;
            environment["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true";
            environment["LOGGING__CONSOLE__FORMATTERNAME"] = "simple";
            environment["LOGGING__CONSOLE__FORMATTEROPTIONS__TIMESTAMPFORMAT"] = "yyyy-MM-ddTHH:mm:ss.fffffff ";
            environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "true";
            if (telemetry is not null)
            {
                environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = telemetry.OtlpEndpoint;
                environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = telemetry.OtlpProtocol;
                if (telemetry.OtlpHeaders is not null)
                {
                    environment["OTEL_EXPORTER_OTLP_HEADERS"] = telemetry.OtlpHeaders;
                }

                environment["OTEL_SERVICE_NAME"] = resource.Name;
                if (replicaId is not null)
                {
                    environment["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={replicaId}";
                }

                // Aspire's development-time settings: export every second, sample everything, keep exceptions.
                environment["OTEL_BSP_SCHEDULE_DELAY"] = "1000";
                environment["OTEL_BLRP_SCHEDULE_DELAY"] = "1000";
                environment["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";
                environment["OTEL_TRACES_SAMPLER"] = "always_on";
                environment["OTEL_METRICS_EXEMPLAR_FILTER"] = "trace_based";
                environment["OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EXCEPTION_LOG_ATTRIBUTES"] = "true";
                environment["OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EVENT_LOG_ATTRIBUTES"] = "true";
                environment["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"] = "in_memory";
            }
        }

        foreach (var endpoint in resource.Endpoints.Where(e => e.PortEnvironmentVariable is not null))
        {
            environment[endpoint.PortEnvironmentVariable!] = values.ReplicaPort(resource, endpoint, replica);
        }

        foreach (var reference in resource.References)
        {
            if (reference is IResourceWithConnectionString withConnectionString)
            {
                environment[$"ConnectionStrings__{reference.Name}"] = values.ConnectionString(withConnectionString);
                continue;
            }

            foreach (var endpoint in reference.Endpoints)
            {
                var urls = values.Urls(reference, endpoint);
                for (var i = 0; i < urls.Count; i++)
                {
                    environment[$"services__{reference.Name}__{endpoint.Name}__{i}"] = urls[i];
                }
            }
        }

        foreach (var (key, value) in resource.Environment)
        {
            environment[key] = value.Resolve(values);
        }

        return environment;
    }
}
