using Imaging.StandIns;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection.Extensions;

[assembly: AssemblyFixture(typeof(TestServers))]

namespace ImagingImport.Tests;

/// <summary>
/// ImagingImport on its own database, with Orthanc (DICOMweb) as the source PACS and the XNAT stand-in as the target.
/// The import loop does not run by itself here: tests run its rounds (ImportQueue.RunOnceAsync) so every step is theirs.
/// </summary>
public sealed class ImportFactory(TestServers servers) : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string ServiceKey = "service key for the import tests";

    private string _database = "";

    public OrthancPeer Orthanc { get; } = new();

    public XnatStandIn Xnat { get; private set; } = null!;

    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero));

    public async ValueTask InitializeAsync()
    {
        _database = await servers.CreateDatabaseAsync("import");
        await Orthanc.InitializeAsync();
        Xnat = await XnatStandIn.StartAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:importdb", _database);
        builder.UseSetting("ConnectionStrings:redis", servers.RedisConnectionString);
        builder.UseSetting("ConnectionStrings:pacs", Orthanc.ConnectionString);
        builder.UseSetting("Xnat:BaseUrl", Xnat.BaseAddress.ToString());
        builder.UseSetting("Xnat:Username", XnatStandIn.Username);
        builder.UseSetting("Xnat:Password", XnatStandIn.Password);
        builder.UseSetting("Xnat:Timeout", "00:00:02");
        builder.UseSetting("Import:ServiceKey", ServiceKey);
        builder.UseSetting("Import:PseudonymKey", "pseudonym key for the import tests");
        builder.UseSetting("Import:MinimumCohortSize", "3");
        // Enough that a study outlives a stand-in failing a third of its calls at random: an attempt of several calls fails
        // about three times in five there, so 8 attempts lost a study of six about one run in eight; 30 lose one in thousands.
        builder.UseSetting("Import:MaxAttempts", "30");
        builder.UseSetting("Import:FirstBackoff", "00:00:00.010");
        builder.UseSetting("Import:MaxBackoff", "00:00:00.020");
        builder.UseSetting("Import:ImportInBackground", "false");
        builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock)));
    }

    public HttpClient CreateServiceClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Service-Key", ServiceKey);
        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Xnat.DisposeAsync();
        await Orthanc.DisposeAsync();
    }
}
