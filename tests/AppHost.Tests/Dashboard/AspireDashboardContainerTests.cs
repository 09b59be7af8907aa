using AppHost.Dashboard;
using AppHost.Hosting;

namespace AppHost.Tests.Dashboard;

/// <summary>The Aspire dashboard's container as the app host would run it: its documented ports and configuration keys.</summary>
public sealed class AspireDashboardContainerTests
{
    [Fact]
    public void The_container_maps_the_images_three_ports_to_loopback_and_passes_token_key_and_limits_by_name_only()
    {
        var options = new DashboardOptions();
        options.TelemetryLimits.MaxLogCount = 5000;
        var spec = AspireDashboardContainer.Spec(options, "podman", "apphost-dashboard-x",
            new DashboardAddresses(18888, 18889, 18890, "browser-token-0123456789", LoginRequired: true, "api-key-0123456789"), "/tmp");

        Assert.Equal("podman", spec.FileName);
        Assert.Equal(
            ["run", "--rm", "--name", "apphost-dashboard-x", "-p", "127.0.0.1:18888:18888", "-p", "127.0.0.1:18889:18889", "-p", "127.0.0.1:18890:18890",
                "-e", "DASHBOARD__FRONTEND__AUTHMODE", "-e", "DASHBOARD__FRONTEND__BROWSERTOKEN", "-e", "DASHBOARD__OTLP__AUTHMODE", "-e", "DASHBOARD__OTLP__PRIMARYAPIKEY",
                "-e", "DASHBOARD__TELEMETRYLIMITS__MAXATTRIBUTECOUNT", "-e", "DASHBOARD__TELEMETRYLIMITS__MAXATTRIBUTELENGTH", "-e", "DASHBOARD__TELEMETRYLIMITS__MAXLOGCOUNT",
                "-e", "DASHBOARD__TELEMETRYLIMITS__MAXSPANEVENTCOUNT", "-e", "DASHBOARD__TELEMETRYLIMITS__MAXTRACECOUNT",
                "mcr.microsoft.com/dotnet/aspire-dashboard:9.5"],
            spec.Arguments);
        Assert.Equal("BrowserToken", spec.Environment["DASHBOARD__FRONTEND__AUTHMODE"]);
        Assert.Equal("browser-token-0123456789", spec.Environment["DASHBOARD__FRONTEND__BROWSERTOKEN"]);
        Assert.Equal("ApiKey", spec.Environment["DASHBOARD__OTLP__AUTHMODE"]);
        Assert.Equal("api-key-0123456789", spec.Environment["DASHBOARD__OTLP__PRIMARYAPIKEY"]);
        Assert.Equal("5000", spec.Environment["DASHBOARD__TELEMETRYLIMITS__MAXLOGCOUNT"]);
        Assert.DoesNotContain(spec.Arguments, a => a.Contains("0123456789", StringComparison.Ordinal));
        Assert.Equal(["rm", "-f", "apphost-dashboard-x"], spec.Cleanup!.Arguments);
    }
}
