using System.Net.Http.Headers;
using System.Text;
using AppHost.Hosting.Runtimes;

namespace AppHost.Hosting;

/// <summary>
/// Orthanc, a PACS with DICOMweb at /dicom-web/. Its connection string is the HTTP base address with the user and
/// password in it (http://orthanc:{password}@127.0.0.1:{port}/); the DICOM port is the second endpoint.
/// </summary>
public sealed class OrthancResource(string name, ParameterResource password) : ServerResource(name, password)
{
    public const string UserName = "orthanc";

    public override string Kind => "orthanc";

    public int DicomPort => Endpoints[1].AllocatedPorts[0];

    public override string ConnectionStringExpression(ValueResolver values) =>
        $"http://{UserName}:{values.UriParameter(PasswordParameter)}@{values.Host(this, PrimaryEndpoint)}:{values.Port(this, PrimaryEndpoint)}/";

    internal override LocalServer CreateLocalServer(LocalServerContext context) => new OrthancLocalServer(this, context);

    // The image's own health check script is not a documented interface; dependants wait for it to start.
    internal override IReadOnlyList<string>? ContainerHealthCommand => null;

    internal override ContainerSpec CreateContainerSpec(ValueResolver values) => new(
        Image: "docker.io/orthancteam/orthanc:24.1.2",
        TargetPort: PrimaryEndpoint.TargetPort,
        Environment: new Dictionary<string, string>
        {
            ["ORTHANC__AUTHENTICATION_ENABLED"] = "true",
            ["ORTHANC__REGISTERED_USERS"] = $"{{\"{UserName}\": \"{values.Parameter(PasswordParameter)}\"}}",
            ["DICOM_WEB_PLUGIN_ENABLED"] = "true",
        },
        VolumeTarget: "/var/lib/orthanc/db",
        Arguments: []);

    internal override async Task ProbeAsync(CancellationToken cancellationToken)
    {
        // GET /system with the credentials: proves Orthanc answers and the password is right.
        var address = new Uri(GetConnectionString());
        using var http = new HttpClient { BaseAddress = new Uri(address.GetLeftPart(UriPartial.Authority)), Timeout = TimeSpan.FromSeconds(5) };
        var credentials = Uri.UnescapeDataString(address.UserInfo);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        using var response = await http.GetAsync("/system", cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
