using System.IO.Compression;
using AppHost.Dashboard.Otlp.Proto.Collector.Logs;
using AppHost.Dashboard.Otlp.Proto.Collector.Metrics;
using AppHost.Dashboard.Otlp.Proto.Collector.Trace;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace AppHost.Dashboard.Otlp;

/// <summary>
/// OTLP/HTTP with binary protobuf: POST /v1/traces, /v1/logs, /v1/metrics, optionally gzip-compressed. The answer is
/// the Export*ServiceResponse message; a body that does not parse is 400, JSON encoding 415 (not supported here).
/// </summary>
internal static class OtlpHttpApi
{
    public const long MaxRequestBodyBytes = 16 * 1024 * 1024;

    public static void MapOtlpHttp(this IEndpointRouteBuilder app, string host)
    {
        app.MapPost("/v1/traces", (HttpContext context, OtlpConverter converter, OtlpCounters counters) =>
            ReceiveAsync(context, ExportTraceServiceRequest.Parser, request =>
            {
                counters.Received("traces");
                return OtlpResponses.Traces(converter.Add(request));
            })).RequireHost(host);
        app.MapPost("/v1/logs", (HttpContext context, OtlpConverter converter, OtlpCounters counters) =>
            ReceiveAsync(context, ExportLogsServiceRequest.Parser, request =>
            {
                counters.Received("logs");
                converter.Add(request);
                return new ExportLogsServiceResponse();
            })).RequireHost(host);
        app.MapPost("/v1/metrics", (HttpContext context, OtlpConverter converter, OtlpCounters counters) =>
            ReceiveAsync(context, ExportMetricsServiceRequest.Parser, request =>
            {
                counters.Received("metrics");
                converter.Add(request);
                return new ExportMetricsServiceResponse();
            })).RequireHost(host);
    }

    private static async Task<IResult> ReceiveAsync<TRequest>(HttpContext context, MessageParser<TRequest> parser, Func<TRequest, IMessage> handle)
        where TRequest : IMessage<TRequest>
    {
        var request = context.Request;
        if (request.ContentType?.Split(';')[0].Trim() is not "application/x-protobuf")
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported content type",
                detail: "The dashboard takes OTLP/HTTP as binary protobuf (Content-Type: application/x-protobuf); JSON encoding is not supported.");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxRequestBodyBytes;
        }

        using var body = new MemoryStream();
        try
        {
            var source = request.Headers.ContentEncoding.ToString() switch
            {
                "gzip" => new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
                "" or "identity" => request.Body,
                var other => throw new InvalidDataException($"Content-Encoding {other} is not supported (gzip is)."),
            };
            await using (source.ConfigureAwait(false))
            {
                // Copied in bounded steps: a gzip bomb must not inflate past the limit.
                var buffer = new byte[81920];
                int read;
                while ((read = await source.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    if (body.Length + read > MaxRequestBodyBytes)
                    {
                        return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Export too large",
                            detail: $"An OTLP export may hold at most {MaxRequestBodyBytes / (1024 * 1024)} MiB once decompressed; send smaller batches.");
                    }

                    body.Write(buffer, 0, read);
                }
            }
        }
        catch (Exception error) when (error is InvalidDataException or BadHttpRequestException)
        {
            return error is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }
                ? TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Export too large", detail: error.Message)
                : TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unreadable export", detail: error.Message);
        }

        TRequest parsed;
        try
        {
            parsed = parser.ParseFrom(body.GetBuffer().AsSpan(0, (int)body.Length));
        }
        catch (InvalidProtocolBufferException error)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unreadable export",
                detail: $"The body is not a valid OTLP protobuf message: {error.Message}");
        }

        return TypedResults.Bytes(handle(parsed).ToByteArray(), "application/x-protobuf");
    }
}
