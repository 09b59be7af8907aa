using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Imaging.ResultsApi.Apis;

/// <summary>
/// The limits on what a client may send (docs/results-api.md, "Input limits"): every request body is small
/// (<see cref="StorageOptions.MaxRequestBodyBytes"/>) unless its endpoint is marked as an upload, which may send
/// <see cref="StorageOptions.MaxUploadBytes"/> in at most <see cref="StorageOptions.MaxParts"/> parts; JSON nests at most
/// <see cref="StorageOptions.MaxJsonDepth"/> deep. A new endpoint gets the small limit unless it says otherwise.
/// </summary>
public static class InputLimits
{
    public static WebApplicationBuilder AddInputLimits(this WebApplicationBuilder builder)
    {
        var limits = new StorageOptions();
        builder.Configuration.GetSection(StorageOptions.SectionName).Bind(limits);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes);
        builder.Services.Configure<FormOptions>(form =>
        {
            // Per part; the whole body is bounded by the request limit.
            form.MultipartBodyLengthLimit = limits.MaxUploadBytes;
            form.ValueCountLimit = limits.MaxParts;
        });
        builder.Services.Configure<Microsoft.AspNetCore.Http.Json.JsonOptions>(json => json.SerializerOptions.MaxDepth = limits.MaxJsonDepth);
        return builder;
    }

    /// <summary>Marks an endpoint as an upload: its body may be <see cref="StorageOptions.MaxUploadBytes"/> plus the multipart overhead.</summary>
    public static TBuilder AcceptsUpload<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            var options = endpoint.ApplicationServices.GetRequiredService<IOptions<StorageOptions>>().Value;
            endpoint.Metadata.Add(new UploadSizeLimit(options.MaxUploadBytes + StorageOptions.MultipartOverheadBytes));
        });
        return builder;
    }

    /// <summary>The request body limit the routing middleware applies to the server for the endpoint (IHttpMaxRequestBodySizeFeature).</summary>
    private sealed record UploadSizeLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;

    /// <summary>
    /// Why a free-form JSON value a client stores (a result's meta, a workflow's definition) nests too deep, or null. The
    /// request body was read within <see cref="StorageOptions.MaxJsonDepth"/>; the value is answered later wrapped in
    /// up to two more levels (a list of items), which must still be written within the same depth.
    /// </summary>
    public static string? CheckNesting(JsonElement? value, string what, int maxJsonDepth)
    {
        var allowed = maxJsonDepth - 2;
        return value is { } json && Nesting(json) > allowed
            ? $"{what} nests objects and arrays more than {allowed} levels deep; keep it flatter."
            : null;

        static int Nesting(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.Object => 1 + element.EnumerateObject().Select(p => Nesting(p.Value)).DefaultIfEmpty(0).Max(),
            JsonValueKind.Array => 1 + element.EnumerateArray().Select(Nesting).DefaultIfEmpty(0).Max(),
            _ => 0,
        };
    }

    /// <summary>The problem details of every upload over a size limit.</summary>
    public static ProblemHttpResult TooLarge(long limit) =>
        TypedResults.Problem(title: "Upload too large", statusCode: StatusCodes.Status413PayloadTooLarge,
            detail: $"The upload is larger than the {limit} bytes accepted. Send at most {limit} bytes, or the files in several requests.");
}
