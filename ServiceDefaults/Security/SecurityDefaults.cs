using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>Marks an endpoint whose responses carry secrets (tokens): they get Cache-Control: no-store.</summary>
public sealed class NoStoreMetadata
{
    public static readonly NoStoreMetadata Instance = new();
}

/// <summary>
/// The response headers and the CORS policy every web service of the platform shares. CORS is closed unless
/// Cors:AllowedOrigins lists origins; the headers forbid sniffing, framing, referrers and (for API answers) any
/// active content; the API reference page gets the policy it needs to run.
/// </summary>
public static class SecurityDefaults
{
    public const string CorsSection = "Cors";

    /// <summary>What an API answer may load or run: nothing, and nobody may frame it.</summary>
    public const string ApiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";

    /// <summary>The Scalar API reference page: its own scripts (and inline configuration), styles, images and fonts, and calls back to this service.</summary>
    public const string ReferencePageContentSecurityPolicy = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        + "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /// <summary>The paths of HTML pages served next to the API (the Scalar reference), which get <see cref="ReferencePageContentSecurityPolicy"/>.</summary>
    public static readonly string[] ReferencePagePaths = ["/scalar"];

    /// <summary>
    /// The viewer (ResultsApi's /viewer): only its own scripts and styles, no inline code, calls to this service only,
    /// images and workers from this service, data: and blob: URLs (decoded frames); WebAssembly (the image codecs) may
    /// be compiled, JavaScript may not be evaluated.
    /// </summary>
    public const string ViewerContentSecurityPolicy = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self'; "
        + "img-src 'self' data: blob:; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    /// <summary>Where the viewer's pages are served; they get <see cref="ViewerContentSecurityPolicy"/>.</summary>
    public const string ViewerPath = "/viewer";

    /// <summary>Registers the CORS policy from configuration: Cors:AllowedOrigins (an array of origins such as https://viewer.example.org).</summary>
    public static IServiceCollection AddSecurityDefaults(this IServiceCollection services)
    {
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IConfiguration>((cors, configuration) =>
        {
            var origins = configuration.GetSection($"{CorsSection}:AllowedOrigins").Get<string[]>() ?? [];
            cors.AddDefaultPolicy(policy =>
            {
                if (origins.Length > 0)
                {
                    // Bearer and Token credentials travel in a header, not in cookies: no AllowCredentials.
                    policy.WithOrigins(origins).AllowAnyHeader().AllowAnyMethod().WithExposedHeaders("Content-Disposition", "Content-Range", "Retry-After", "Location");
                }
            });
        });
        return services;
    }

    /// <summary>The security headers on every response, then CORS. Call it first thing after building the app.</summary>
    public static WebApplication UseSecurityDefaults(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                SetHeaders(context);
                return Task.CompletedTask;
            });
            return next(context);
        });
        app.UseCors();
        return app;
    }

    /// <summary>Marks the endpoint's responses as not to be stored by any cache (they carry tokens).</summary>
    public static TBuilder WithNoStore<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(NoStoreMetadata.Instance);

    private static void SetHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        var page = ReferencePagePaths.Any(path => context.Request.Path.StartsWithSegments(path, StringComparison.OrdinalIgnoreCase));
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments(ViewerPath, StringComparison.OrdinalIgnoreCase) ? ViewerContentSecurityPolicy
            : page ? ReferencePageContentSecurityPolicy
            : ApiContentSecurityPolicy;
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        if (context.GetEndpoint()?.Metadata.GetMetadata<NoStoreMetadata>() is not null)
        {
            headers.CacheControl = "no-store";
            headers.Pragma = "no-cache";
        }
    }
}
