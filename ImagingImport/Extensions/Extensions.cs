using Imaging.ImagingImport.Apis;
using Imaging.ImagingImport.Import;
using Imaging.ImagingImport.OpenApi;
using Imaging.ImagingImport.Sources;

namespace Imaging.ImagingImport.Extensions;

/// <summary>What ImagingImport is made of (its database, XNAT and PACS clients, the import queue), its pipeline and endpoints.</summary>
public static class Extensions
{
    /// <summary>The database and cache clients, the options, the XNAT and source PACS clients, the import queue, and the shared problem details and OpenAPI.</summary>
    public static void AddApplicationServices(this WebApplicationBuilder builder)
    {
        builder.AddServiceDbContext<ImportDbContext>("importdb");
        builder.AddOptionalRedisClient("redis");

        builder.Services.AddValidatedOptions<ImportOptions>(ImportOptions.SectionName);
        builder.Services.AddOptions<SourceOptions>().BindConfiguration(SourceOptions.SectionName);
        // XNAT: the target of every import. Checked when first used, so the service starts (and reports healthy) before one is configured.
        builder.Services.AddOptions<XnatOptions>().BindConfiguration(XnatOptions.SectionName).ValidateDataAnnotations();
        builder.Services.AddSingleton<XnatSession>();
        builder.Services.AddScoped<XnatCaller>();
        builder.Services.AddHttpClient<XnatClient>((services, client) =>
            {
                client.BaseAddress = services.GetRequiredService<IOptions<XnatOptions>>().Value.BaseUrl;
                // The client sets its own timeout per call (imports take longer than lookups).
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            // No shared cookie jar: each call carries exactly the identity it is made for (the service's session or the caller's
            // credentials). With the handler's jar, a session cookie XNAT set for one would ride along on the other's calls.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseCookies = false })
            // Imports are retried by the import tracking with back-off, and the standard handler's 30 s total timeout would cut a
            // large study's upload short.
            .RemoveAllResilienceHandlers();
        // The source PACS: ConnectionStrings:pacs, its base address (credentials, if any, as user info: http://user:password@host/).
        builder.Services.AddHttpClient<DicomWebSource>(client =>
            {
                if (builder.Configuration.GetConnectionString("pacs") is { Length: > 0 } pacs)
                {
                    client.BaseAddress = new Uri(pacs.EndsWith('/') ? pacs : pacs + "/");
                }

                client.Timeout = TimeSpan.FromMinutes(10);
            })
            .RemoveAllResilienceHandlers();
        builder.Services.AddScoped<StudyImporter>();
        builder.Services.AddHostedService<ImportDatabaseStartup>();
        builder.Services.AddSingleton<QueuedCallerIdentities>();
        builder.Services.AddSingleton<ImportQueue>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ImportQueue>());
        builder.AddHttpApiDefaults(ImagingImportOpenApi.Configure);
    }

    /// <summary>Health, OpenAPI with its reference page, and the retrieval endpoints.</summary>
    public static void MapImagingImport(this WebApplication app)
    {
        app.MapDefaultEndpoints();
        app.MapApiReference();
        app.MapRetrievalApi();
    }
}
