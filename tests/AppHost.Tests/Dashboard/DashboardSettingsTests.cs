using System.Text.Json;
using AppHost.Dashboard.Telemetry;
using AppHost.Hosting;

namespace AppHost.Tests.Dashboard;

/// <summary>appsettings.json lists the dashboard's settings for people to read and change; it must say what the code does.</summary>
public sealed class DashboardSettingsTests
{
    [Fact]
    public void Appsettings_lists_the_dashboards_defaults_exactly()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        var dashboard = JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("AppHost").GetProperty("Dashboard");
        var defaults = new DashboardOptions();

        Assert.Equal(defaults.Port, dashboard.GetProperty("Port").GetInt32());
        Assert.Equal(defaults.OtlpGrpcPort, dashboard.GetProperty("OtlpGrpcPort").GetInt32());
        Assert.Equal(defaults.OtlpHttpPort, dashboard.GetProperty("OtlpHttpPort").GetInt32());
        Assert.Equal(defaults.OtlpProtocol, dashboard.GetProperty("OtlpProtocol").GetString());
        Assert.Equal(defaults.AuthMode.ToString(), dashboard.GetProperty("AuthMode").GetString());
        Assert.Equal(defaults.OtlpAuthMode.ToString(), dashboard.GetProperty("OtlpAuthMode").GetString());
        var limits = dashboard.GetProperty("TelemetryLimits");
        var properties = typeof(TelemetryLimits).GetProperties();
        Assert.Equal(properties.Select(p => p.Name).Order(), limits.EnumerateObject().Select(p => p.Name).Order());
        foreach (var property in properties)
        {
            Assert.Equal((int)property.GetValue(defaults.TelemetryLimits)!, limits.GetProperty(property.Name).GetInt32());
        }
    }
}
