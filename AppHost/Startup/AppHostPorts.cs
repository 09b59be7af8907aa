using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace AppHost.Startup;

/// <summary>
/// The fixed ports of a run checked before anything starts: the app host's own (the dashboard 18888, OTLP 18889/18890
/// and the resource service 18891 of its launch profile) and the services' (their launch profiles' 5080, 5090, …, which
/// DCP's proxies bind). Taken, they are most often another app host still running; Aspire would fail half-way with a
/// stack trace, or, for a service's port, wait without a word.
/// </summary>
internal static class AppHostPorts
{
    private static readonly (string Key, string What)[] Settings =
    [
        ("ASPNETCORE_URLS", "the dashboard"),
        ("ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL", "the dashboard's OTLP/gRPC receiver"),
        ("ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL", "the dashboard's OTLP/HTTP receiver"),
        ("ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL", "the resource service the dashboard reads"),
    ];

    public static void ThrowIfTaken(IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsRunMode)
        {
            return;
        }

        // Random ports (the testing builder, `aspire run --isolated`) replace the services' fixed ones.
        if (!builder.Configuration.GetValue("DcpPublisher:RandomizePorts", false))
        {
            foreach (var resource in builder.Resources.OfType<ProjectResource>())
            {
                foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>().Where(e => e.IsProxied && e.Port is > 0))
                {
                    ThrowIfTaken(endpoint.Port!.Value, $"of {resource.Name} (its launch profile's {endpoint.Name} endpoint)");
                }
            }
        }

        foreach (var (key, what) in Settings)
        {
            foreach (var url in (builder.Configuration[key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Port > 0)
                {
                    ThrowIfTaken(uri.Port, $"for {what} ({key}={url})");
                }
            }
        }
    }

    private static void ThrowIfTaken(int port, string what)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
        catch (SocketException)
        {
            throw new DistributedApplicationException(
                $"Port {port} {what} is already in use by another process, most often an app host still running. "
                + $"Stop it (aspire stop, or find it with: ss -ltnp 'sport = :{port}'), or run this one on free ports with: aspire run --isolated.");
        }
    }
}
