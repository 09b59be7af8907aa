using System.Net;
using AppHost.Dashboard;
using AppHost.Dashboard.Apis;
using AppHost.Dashboard.Telemetry;
using AppHost.Hosting;
using AppHost.Hosting.Orchestration;

namespace AppHost.Tests.Dashboard;

/// <summary>The dashboard alone (no resources), on free ports, with a fixed OTLP API key and a client logged in to its UI.</summary>
internal sealed class DashboardUnderTest : IAsyncDisposable
{
    public const string ApiKey = "test-otlp-key-0123456789";

    private DashboardUnderTest(DashboardHost host, HttpClient ui)
    {
        Host = host;
        Ui = ui;
    }

    public DashboardHost Host { get; }

    /// <summary>A client of the UI's JSON API with the session cookie of a login.</summary>
    public HttpClient Ui { get; }

    public static async Task<DashboardUnderTest> StartAsync(TelemetryLimits? limits = null, OtlpAuthMode otlpAuth = OtlpAuthMode.ApiKey)
    {
        var options = new DashboardOptions
        {
            Port = 0,
            OtlpGrpcPort = 0,
            OtlpHttpPort = 0,
            OtlpAuthMode = otlpAuth,
            OtlpApiKey = ApiKey,
            TelemetryLimits = limits ?? new TelemetryLimits(),
        };
        var host = await DashboardHost.StartAsync(options, new PortAllocator(), new ResourceNotificationService(), new ResourceLogStore(null),
            ResourceControl.None, TestContext.Current.CancellationToken);
        var ui = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = host.Url };
        using var login = await ui.GetAsync(host.LoginUrl, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        return new DashboardUnderTest(host, ui);
    }

    public async ValueTask DisposeAsync()
    {
        Ui.Dispose();
        await Host.DisposeAsync();
    }
}
