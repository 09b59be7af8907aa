using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Imaging.LocalServers;

/// <summary>
/// Orthanc, a PACS with DICOMweb at /dicom-web/. Its connection string is its HTTP base address with the user and
/// password in it (http://orthanc:{password}@{host}:{port}/), as the import service and the tests read it.
/// </summary>
public sealed class LocalOrthancResource(string name, string command, string dataDirectory, ParameterResource password)
    : LocalServerResource(name, command, dataDirectory, password)
{
    public const string UserName = "orthanc";

    public override string PrimaryEndpointName => "http";

    public string ConfigFile => Path.Combine(DataDirectory, "orthanc.json");

    public override ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"http://{UserName}:{PasswordParameter:uri}@{Host}:{Port}/");
}

/// <summary>Orthanc's official image, for publishing and for machines with a container engine.</summary>
public sealed class OrthancContainerResource(string name, ParameterResource password) : ContainerResource(name), IResourceWithConnectionString
{
    public ParameterResource PasswordParameter { get; } = password;

    public EndpointReference PrimaryEndpoint => new(this, "http");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"http://{LocalOrthancResource.UserName}:{PasswordParameter:uri}@{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}/");
}

public static class OrthancExtensions
{
    /// <summary>Orthanc from the Debian packages orthanc and orthanc-dicomweb, loopback only and still with a password, like the other servers.</summary>
    public static IResourceBuilder<LocalOrthancResource> AddLocalOrthanc(this IDistributedApplicationBuilder builder, string name, LocalServerOptions options, int? port = null)
    {
        var command = LocalServerResource.RequireFile(options.Binaries.Orthanc, "Orthanc", "orthanc");
        var plugin = LocalServerResource.RequireFile(Path.Combine(options.Binaries.OrthancPluginDirectory, "libOrthancDicomWeb.so"), "Orthanc's DICOMweb plugin", "orthanc-dicomweb");
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var server = new LocalOrthancResource(name, command, Path.Combine(options.DataDirectory, name), password);
        var dicomPort = LocalServerResource.FreePort();
        var healthCheckKey = $"{name}_check";
        AddSystemCheck(builder, healthCheckKey, server.RequireConnectionString);
        return builder.AddLocalServer(server, healthCheckKey, port)
            .WithIconName("Server")
            .WithEndpoint(port: dicomPort, targetPort: dicomPort, scheme: "tcp", name: "dicom", isProxied: false)
            .WithEndpoint("dicom", endpoint => endpoint.TargetHost = "127.0.0.1")
            .WithArgs($"--logdir={server.DataDirectory}", server.ConfigFile)
            .OnBeforeResourceStarted(async (resource, _, cancellationToken) =>
            {
                var storage = Path.Combine(resource.DataDirectory, "storage");
                Directory.CreateDirectory(storage);
                var configuration = new Dictionary<string, object>
                {
                    ["Name"] = resource.Name,
                    ["StorageDirectory"] = storage,
                    ["IndexDirectory"] = storage,
                    ["HttpPort"] = resource.ListenPort,
                    ["DicomPort"] = dicomPort,
                    ["RemoteAccessAllowed"] = false,
                    ["AuthenticationEnabled"] = true,
                    ["RegisteredUsers"] = new Dictionary<string, string> { [LocalOrthancResource.UserName] = await resource.PasswordParameter.GetValueAsync(cancellationToken) ?? "" },
                    ["Plugins"] = new[] { plugin },
                    ["DicomWeb"] = new Dictionary<string, object> { ["Enable"] = true, ["Root"] = "/dicom-web/" },
                };
                await LocalServerResource.WritePrivateFileAsync(resource.ConfigFile, JsonSerializer.Serialize(configuration), cancellationToken);
            });
    }

    public static IResourceBuilder<OrthancContainerResource> AddOrthancContainer(this IDistributedApplicationBuilder builder, string name)
    {
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var server = new OrthancContainerResource(name, password);
        string? connectionString = null;
        var healthCheckKey = $"{name}_check";
        AddSystemCheck(builder, healthCheckKey, () => connectionString ?? throw new InvalidOperationException($"The connection string of '{name}' is not resolved yet."));
        return builder.AddResource(server)
            .WithImage("orthancteam/orthanc", "24.1.2")
            .WithImageRegistry("docker.io")
            .WithHttpEndpoint(targetPort: 8042, name: "http")
            .WithEndpoint(targetPort: 4242, scheme: "tcp", name: "dicom")
            .WithEnvironment("ORTHANC__AUTHENTICATION_ENABLED", "true")
            .WithEnvironment("DICOM_WEB_PLUGIN_ENABLED", "true")
            .WithEnvironment(context => context.EnvironmentVariables["ORTHANC__REGISTERED_USERS"] =
                ReferenceExpression.Create($"{{\"{LocalOrthancResource.UserName}\": \"{password}\"}}"))
            .WithVolume($"{name}-data", "/var/lib/orthanc/db")
            .OnConnectionStringAvailable(async (resource, _, cancellationToken) =>
                connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken))
            .WithHealthCheck(healthCheckKey);
    }

    /// <summary>Healthy when GET /system answers with the credentials: Orthanc is up and the password is right.</summary>
    private static void AddSystemCheck(IDistributedApplicationBuilder builder, string key, Func<string> connectionString) =>
        builder.Services.AddHealthChecks().AddAsyncCheck(key, async cancellationToken =>
        {
            var address = new Uri(connectionString());
            using var http = new HttpClient { BaseAddress = new Uri(address.GetLeftPart(UriPartial.Authority)), Timeout = TimeSpan.FromSeconds(5) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(address.UserInfo))));
            try
            {
                using var response = await http.GetAsync("/system", cancellationToken);
                return response.IsSuccessStatusCode
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy($"GET /system answered {((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)}.");
            }
            catch (HttpRequestException refused)
            {
                return HealthCheckResult.Unhealthy($"Orthanc does not answer: {refused.Message}");
            }
        });
}
