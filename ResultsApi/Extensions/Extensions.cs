using System.Text.Json;
using System.Text.Json.Serialization;
using Imaging.ResultsApi.Analysis;
using Imaging.ResultsApi.Apis;
using Imaging.ResultsApi.Auth;
using Imaging.ResultsApi.Caching;
using Imaging.ResultsApi.Data;
using Imaging.ResultsApi.Messaging;
using Imaging.ResultsApi.OpenApi;
using Imaging.ResultsApi.QualitySessions;
using Imaging.ResultsApi.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Scalar.AspNetCore;

namespace Imaging.ResultsApi.Extensions;

/// <summary>What ResultsApi is made of (its services and options), how a request passes through it, and its endpoints.</summary>
public static class Extensions
{
    /// <summary>The database, cache and bus clients, the options (validated at start), storage, auth, limits and OpenAPI.</summary>
    public static void AddApplicationServices(this WebApplicationBuilder builder)
    {
        builder.AddNpgsqlDbContext<ResultsDbContext>("resultsdb", settings =>
        {
            settings.DisableRetry = true;
        }, options => options.UseNpgsql(PostgresRetries.Short));
        builder.AddOptionalRedisClient("redis");
        builder.AddMessageBus("messaging");

        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.SectionName);
        builder.Services.AddSingleton<ResultStorage>();
        builder.Services.AddSingleton<NewInstanceIndex>();
        builder.Services.AddHostedService(services => services.GetRequiredService<NewInstanceIndex>());
        builder.Services.AddSingleton<DicomInstanceStore>();
        builder.Services.AddOptions<SignedLinkOptions>().BindConfiguration(SignedLinkOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<SignedLinks>();
        builder.Services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        // Bounded: token validations and result ownership, one unit each.
        builder.Services.AddMemoryCache(cache => cache.SizeLimit = 100_000);
        builder.Services.AddScoped<TokenService>();
        builder.Services.AddSingleton<SourceTokens>();
        builder.Services.AddHostedService<ResultsDatabaseStartup>();
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<Outbox>();
        builder.Services.AddHostedService<OutboxDispatcher>();
        builder.Services.AddOptions<StableSeriesOptions>().BindConfiguration(StableSeriesOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<SeriesAnalysisQueue>();
        builder.Services.AddSingleton<StableSeriesQueue>();
        builder.Services.AddHostedService(services => services.GetRequiredService<StableSeriesQueue>());
        builder.Services.AddOptions<CacheOptions>().BindConfiguration(CacheOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<OptionalRedis>();
        builder.Services.AddSingleton<FinishedResultsCache>();
        builder.Services.AddOptions<QualitySessionOptions>().BindConfiguration(QualitySessionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();

        builder.Services.AddAuthentication(BearerTokenHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, BearerTokenHandler>(BearerTokenHandler.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services.AddResultsApiRateLimits();
        // Framework-written problems (unbindable body, unknown path) get a detail saying what to do, as the handlers' own do.
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = FrameworkProblems.Describe);
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            // The source platform's wire format: snake_case fields, enums by name.
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
        });
        // Request body sizes, multipart parts and JSON depth; upload endpoints say so (AcceptsUpload).
        builder.AddInputLimits();
        builder.Services.AddResultsApiOpenApi();
    }

    /// <summary>Security headers, problem details for exceptions and bare status codes, authentication, authorization, rate limits.</summary>
    public static void UseApplicationPipeline(this WebApplication app)
    {
        app.UseSecurityDefaults();
        // A request that cannot be bound (bad JSON, a value outside an enum) is the client's error, not a 500.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
    }

    /// <summary>Health, OpenAPI and its reference page, and every endpoint group.</summary>
    public static void MapResultsApi(this WebApplication app)
    {
        app.MapDefaultEndpoints();
        app.MapOpenApi();
        app.MapScalarApiReference(scalar => scalar.DisableDefaultFonts());
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
