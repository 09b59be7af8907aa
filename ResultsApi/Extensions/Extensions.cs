using System.Text.Json.Serialization;
using Imaging.ResultsApi.Analysis;
using Imaging.ResultsApi.Apis;
using Imaging.ResultsApi.Caching;
using Imaging.ResultsApi.FileFront;
using Imaging.ResultsApi.QualitySessions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.FileProviders;

namespace Imaging.ResultsApi.Extensions;

/// <summary>What ResultsApi is made of (its services and options), how a request passes through it, and its endpoints.</summary>
public static class Extensions
{
    /// <summary>The database, cache and bus clients, the options (validated at start), storage, auth, limits, and the shared problem details and OpenAPI.</summary>
    public static void AddApplicationServices(this WebApplicationBuilder builder)
    {
        builder.AddServiceDbContext<ResultsDbContext>("resultsdb");
        builder.AddOptionalRedisClient("redis");
        builder.AddMessageBus("messaging");

        builder.Services.AddValidatedOptions<StorageOptions>(StorageOptions.SectionName);
        builder.Services.AddValidatedOptions<AuthOptions>(AuthOptions.SectionName);
        builder.Services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.SectionName);
        builder.Services.AddSingleton<ResultStorage>();
        builder.Services.AddValidatedOptions<FileFrontOptions>(FileFrontOptions.SectionName);
        builder.Services.AddSingleton<FileFrontRedirect>();
        builder.Services.AddSingleton<NewInstanceIndex>();
        builder.Services.AddHostedService(services => services.GetRequiredService<NewInstanceIndex>());
        builder.Services.AddSingleton<DicomInstanceStore>();
        builder.Services.AddValidatedOptions<SignedLinkOptions>(SignedLinkOptions.SectionName);
        builder.Services.AddSingleton<SignedLinks>();
        builder.Services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        // Bounded: token validations and result ownership, one unit each.
        builder.Services.AddMemoryCache(cache => cache.SizeLimit = 100_000);
        builder.Services.AddScoped<TokenService>();
        builder.Services.AddSingleton<SourceTokens>();
        builder.Services.AddHostedService<ResultsDatabaseStartup>();
        builder.Services.AddValidatedOptions<OutboxOptions>(OutboxOptions.SectionName);
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<Outbox>();
        builder.Services.AddHostedService<OutboxDispatcher>();
        builder.Services.AddValidatedOptions<StableSeriesOptions>(StableSeriesOptions.SectionName);
        builder.Services.AddScoped<SeriesAnalysisQueue>();
        builder.Services.AddSingleton<StableSeriesQueue>();
        builder.Services.AddHostedService(services => services.GetRequiredService<StableSeriesQueue>());
        builder.Services.AddValidatedOptions<CacheOptions>(CacheOptions.SectionName);
        builder.Services.AddSingleton<OptionalRedis>();
        builder.Services.AddSingleton<FinishedResultsCache>();
        builder.Services.AddValidatedOptions<QualitySessionOptions>(QualitySessionOptions.SectionName);

        builder.Services.AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services.AddResultsApiRateLimits();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            // The source platform's wire format: snake_case fields, enums by name.
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
        });
        // Request body sizes, multipart parts and JSON depth; upload endpoints say so (AcceptsUpload).
        builder.AddInputLimits();
        builder.AddHttpApiDefaults(ResultsApiOpenApi.Configure);
    }

    /// <summary>
    /// The shared pipeline (security headers, problem details for exceptions and bare status codes), the viewer's files,
    /// then authentication, authorization, rate limits.
    /// </summary>
    public static void UseApplicationPipeline(this WebApplication app)
    {
        app.UseHttpApiDefaults();
        // The viewer (wwwroot/viewer, docs/viewer.md): static files that hold no data; /viewer answers its index.html. The
        // page calls the API with the signed-in user's token, so it sees what that user may see and nothing more. Only
        // requests under /viewer look for a file: the API's requests pass by without a file-system lookup.
        var viewer = new PhysicalFileProvider(Path.Combine(app.Environment.WebRootPath ?? Path.Combine(app.Environment.ContentRootPath, "wwwroot"), "viewer"));
        app.UseDefaultFiles(new DefaultFilesOptions { RequestPath = SecurityDefaults.ViewerPath, FileProvider = viewer });
        app.UseStaticFiles(new StaticFileOptions { RequestPath = SecurityDefaults.ViewerPath, FileProvider = viewer });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
    }

    /// <summary>Health, OpenAPI and its reference page, and every endpoint group.</summary>
    public static void MapResultsApi(this WebApplication app)
    {
        app.MapDefaultEndpoints();
        app.MapApiReference();
        app.MapLoginApi();
        app.MapGroup("/api/v1/exam")
            .RequireAuthorization()
            .MapScanHierarchyApi()
            .MapTaskResultsApi()
            .MapDicomFilesApi();
        app.MapSeriesResultsApi();
        app.MapSeriesAnalysisApi();
        app.MapQualitySessionsApi();
        app.MapGroup(DicomWebApi.Prefix)
            .RequireAuthorization()
            .MapDicomWebApi();
        app.MapGroup("/api/v1/workflow")
            .RequireAuthorization()
            .MapWorkflowManagerApi();
    }
}
