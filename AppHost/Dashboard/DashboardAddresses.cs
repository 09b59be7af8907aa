using AppHost.Hosting;
using AppHost.Hosting.Orchestration;

namespace AppHost.Dashboard;

/// <summary>
/// Where a dashboard listens (ours, or Aspire's container) and its run's secrets: the login token and the OTLP API
/// key, settled once from the options.
/// </summary>
internal sealed record DashboardAddresses(int UiPort, int OtlpGrpcPort, int OtlpHttpPort, string BrowserToken, bool LoginRequired, string? OtlpApiKey)
{
    public Uri Url => new($"http://localhost:{UiPort}/");

    /// <summary>The address to open: with the run's token when the UI needs a login, the plain address otherwise.</summary>
    public Uri LoginUrl => LoginRequired ? new Uri(Url, $"login?t={BrowserToken}") : Url;

    public Uri OtlpGrpcUrl => new($"http://localhost:{OtlpGrpcPort}/");

    public Uri OtlpHttpUrl => new($"http://localhost:{OtlpHttpPort}/");

    /// <summary>Checks the options, claims the three ports (0 = a free one) and makes the token and key not fixed by configuration.</summary>
    public static DashboardAddresses Resolve(DashboardOptions options, PortAllocator ports, string name)
    {
        if (options.Validate().ToList() is { Count: > 0 } errors)
        {
            throw new DistributedApplicationException(string.Join(Environment.NewLine, errors));
        }

        int Port(int configured, string purpose, string key) =>
            configured > 0 ? ports.Claim(configured, purpose, $"AppHost:Dashboard:{key}") : ports.Allocate();

        return new DashboardAddresses(
            Port(options.Port, name, "Port"),
            Port(options.OtlpGrpcPort, $"{name}'s OTLP/gRPC endpoint", "OtlpGrpcPort"),
            Port(options.OtlpHttpPort, $"{name}'s OTLP/HTTP endpoint", "OtlpHttpPort"),
            options.BrowserToken is { Length: > 0 } token ? token : Secrets.NewToken(),
            options.AuthMode == DashboardAuthMode.BrowserToken,
            options.OtlpAuthMode == OtlpAuthMode.ApiKey ? (options.OtlpApiKey is { Length: > 0 } key ? key : Secrets.NewToken()) : null);
    }
}
