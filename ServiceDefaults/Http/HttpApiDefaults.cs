using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Scalar.AspNetCore;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every HTTP API of the platform shares around its endpoints: problem details that say what to do, the
/// exception handler and status code pages that write them, the security headers, and the OpenAPI document with its
/// Scalar reference page. A service adds its own document transformers; the examples transformer always runs last.
/// </summary>
public static class HttpApiDefaults
{
    /// <summary>Problem details (framework-written ones get a detail, <see cref="FrameworkProblems"/>) and the OpenAPI document.</summary>
    public static IHostApplicationBuilder AddHttpApiDefaults(this IHostApplicationBuilder builder, Action<OpenApiOptions> configureOpenApi)
    {
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = FrameworkProblems.Describe);
        builder.Services.AddOpenApi(options =>
        {
            configureOpenApi(options);
            // Last: examples go on the responses the service's transformers added.
            options.AddOperationTransformer<ExamplesTransformer>();
        });
        return builder;
    }

    /// <summary>Security headers first, then exceptions and bare status codes as problem details. Call it first thing after building the app.</summary>
    public static WebApplication UseHttpApiDefaults(this WebApplication app)
    {
        app.UseSecurityDefaults();
        // A request that cannot be bound (bad JSON, a value outside an enum) is the client's error, not a 500.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        return app;
    }

    /// <summary>The OpenAPI document at /openapi/v1.json and its reference page at /scalar/v1, with no font or script from elsewhere.</summary>
    public static WebApplication MapApiReference(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference(scalar => scalar.DisableDefaultFonts());
        return app;
    }
}
