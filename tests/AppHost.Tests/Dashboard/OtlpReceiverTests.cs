using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AppHost.Dashboard.Otlp.Proto.Collector.Trace;
using AppHost.Dashboard.Otlp.Proto.Common;
using AppHost.Dashboard.Otlp.Proto.Trace;
using AppHost.Dashboard.Telemetry;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AppHost.Tests.Dashboard;

/// <summary>
/// The dashboard's OTLP receiver, fed by the real OpenTelemetry .NET exporter over gRPC and HTTP/protobuf, and read
/// back through the dashboard's own API: what a service sends is what the dashboard shows.
/// </summary>
public sealed class OtlpReceiverTests
{
    private static readonly DateTime T0 = new(2026, 11, 24, 10, 0, 0, DateTimeKind.Utc);

    public static TheoryData<string> Protocols => ["grpc", "http/protobuf"];

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Spans_arrive_with_their_tree_kinds_times_attributes_status_and_exception_events(string protocol)
    {
        await using var dashboard = await DashboardUnderTest.StartAsync();
        using var source = new ActivitySource($"Receiver.Tests.{Guid.NewGuid():N}");
        string traceId;
        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("resultsapi", serviceInstanceId: "resultsapi-1"))
            .AddSource(source.Name)
            .AddOtlpExporter(o => Configure(o, dashboard, protocol, "traces"))
            .Build())
        {
            using var server = source.StartActivity("POST /api/v1/series", ActivityKind.Server, default(ActivityContext), startTime: T0)!;
            server.SetTag("http.request.method", "POST");
            server.SetTag("http.response.status_code", 500);
            using (var client = source.StartActivity("INSERT instances", ActivityKind.Client, server.Context, startTime: T0.AddMilliseconds(20))!)
            {
                client.SetTag("db.system.name", "postgresql");
                client.AddException(new InvalidOperationException("relation \"instances\" does not exist"), timestamp: T0.AddMilliseconds(100));
                client.SetStatus(ActivityStatusCode.Error, "relation missing");
                client.SetEndTime(T0.AddMilliseconds(120));
            }

            server.SetEndTime(T0.AddMilliseconds(250));
            traceId = server.TraceId.ToHexString();
            server.Stop();
            Assert.True(tracing.ForceFlush(10_000));
        }

        var trace = await GetJsonAsync(dashboard, $"/api/traces/{traceId}");
        Assert.Equal("resultsapi: POST /api/v1/series", trace.GetProperty("name").GetString());
        Assert.Equal(250, trace.GetProperty("durationMs").GetDouble());
        var spans = trace.GetProperty("spans").EnumerateArray().ToList();
        Assert.Equal(2, spans.Count);
        var (root, child) = (spans[0], spans[1]);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("parentSpanId").ValueKind);
        Assert.Equal(root.GetProperty("spanId").GetString(), child.GetProperty("parentSpanId").GetString());
        Assert.Equal("Server", root.GetProperty("kind").GetString());
        Assert.Equal("Client", child.GetProperty("kind").GetString());
        Assert.Equal("resultsapi", child.GetProperty("resource").GetString());
        Assert.Equal("resultsapi-1", child.GetProperty("instance").GetString());
        Assert.Equal(source.Name, child.GetProperty("scope").GetString());
        Assert.Equal(20, child.GetProperty("startOffsetMs").GetDouble());
        Assert.Equal(100, child.GetProperty("durationMs").GetDouble());
        Assert.Equal("Error", child.GetProperty("status").GetString());
        Assert.Equal("relation missing", child.GetProperty("statusMessage").GetString());
        Assert.Equal("Unset", root.GetProperty("status").GetString());
        Assert.Equal("500", Attribute(root, "http.response.status_code"));
        Assert.Equal("postgresql", Attribute(child, "db.system.name"));
        var exception = Assert.Single(child.GetProperty("events").EnumerateArray());
        Assert.Equal("exception", exception.GetProperty("name").GetString());
        Assert.Equal(80, exception.GetProperty("offsetMs").GetDouble());
        Assert.Equal("System.InvalidOperationException", Attribute(exception, "exception.type"));
        Assert.Equal("relation \"instances\" does not exist", Attribute(exception, "exception.message"));

        var list = await GetJsonAsync(dashboard, "/api/traces?resource=resultsapi");
        var summary = Assert.Single(list.GetProperty("traces").EnumerateArray());
        Assert.Equal(traceId, summary.GetProperty("traceId").GetString());
        Assert.Equal(2, summary.GetProperty("spanCount").GetInt32());
        Assert.Equal(1, summary.GetProperty("errorCount").GetInt32());
        Assert.Equal(0, (await GetJsonAsync(dashboard, "/api/traces?resource=workflowworker")).GetProperty("total").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Logs_arrive_with_level_message_attributes_and_the_trace_they_were_written_in(string protocol)
    {
        await using var dashboard = await DashboardUnderTest.StartAsync();
        using var source = new ActivitySource($"Receiver.Tests.{Guid.NewGuid():N}");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        string traceId, spanId;
        using (var logging = LoggerFactory.Create(builder => builder.AddOpenTelemetry(o =>
        {
            o.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("workflowworker", serviceInstanceId: "workflowworker-2"));
            o.IncludeFormattedMessage = true;
            o.AddOtlpExporter((exporter, processor) =>
            {
                Configure(exporter, dashboard, protocol, "logs");
                processor.ExportProcessorType = ExportProcessorType.Simple;
            });
        })))
        {
            var logger = logging.CreateLogger("Imaging.WorkflowWorker.SeriesAnalysis");
            using var activity = source.StartActivity("consume")!;
            (traceId, spanId) = (activity.TraceId.ToHexString(), activity.SpanId.ToHexString());
            logger.LogWarning("Series {SeriesInstanceUid} has {Count} instances without pixel data", "1.2.840.99.1", 4);
            logger.LogDebug("not below the factory's minimum level, so never sent");
            activity.Stop();
            logger.LogError("Outside any trace");
        }

        var page = await GetJsonAsync(dashboard, $"/api/logs?traceId={traceId}");
        var entry = Assert.Single(page.GetProperty("entries").EnumerateArray());
        Assert.Equal("Warning", entry.GetProperty("level").GetString());
        Assert.Equal("Series 1.2.840.99.1 has 4 instances without pixel data", entry.GetProperty("message").GetString());
        Assert.Equal("Imaging.WorkflowWorker.SeriesAnalysis", entry.GetProperty("category").GetString());
        Assert.Equal("workflowworker", entry.GetProperty("resource").GetString());
        Assert.Equal("workflowworker-2", entry.GetProperty("instance").GetString());
        Assert.Equal(spanId, entry.GetProperty("spanId").GetString());
        Assert.Equal("1.2.840.99.1", Attribute(entry, "SeriesInstanceUid"));
        Assert.Equal("4", Attribute(entry, "Count"));

        var errors = await GetJsonAsync(dashboard, "/api/logs?level=Error");
        var error = Assert.Single(errors.GetProperty("entries").EnumerateArray());
        Assert.Equal("Outside any trace", error.GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("traceId").ValueKind);
        Assert.Equal(2, (await GetJsonAsync(dashboard, "/api/logs?resource=workflowworker")).GetProperty("total").GetInt32());
        Assert.Equal(1, (await GetJsonAsync(dashboard, "/api/logs?text=PIXEL%20DATA")).GetProperty("total").GetInt32());
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task Metrics_arrive_as_series_with_sums_and_each_intervals_histogram_percentiles(string protocol)
    {
        await using var dashboard = await DashboardUnderTest.StartAsync();
        using var meter = new Meter($"Receiver.Tests.{Guid.NewGuid():N}");
        var requests = meter.CreateCounter<long>("imaging.requests", "{request}", "Requests served");
        var latency = meter.CreateHistogram<double>("imaging.latency", "ms");
        using (var metrics = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("resultsapi", serviceInstanceId: "resultsapi-1"))
            .AddMeter(meter.Name)
            .AddView("imaging.latency", new ExplicitBucketHistogramConfiguration { Boundaries = [0, 25, 50, 75, 100] })
            .AddOtlpExporter((exporter, reader) =>
            {
                Configure(exporter, dashboard, protocol, "metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 600_000;
            })
            .Build())
        {
            requests.Add(40, new KeyValuePair<string, object?>("route", "/series"));
            requests.Add(2, new KeyValuePair<string, object?>("route", "/series"));
            requests.Add(5, new KeyValuePair<string, object?>("route", "/studies"));
            for (var ms = 1; ms <= 100; ms++)
            {
                latency.Record(ms);
            }

            Assert.True(metrics.ForceFlush(10_000));
            for (var i = 0; i < 100; i++)
            {
                latency.Record(10);
            }

            Assert.True(metrics.ForceFlush(10_000));
        }

        var instruments = (await GetJsonAsync(dashboard, "/api/metrics?resource=resultsapi")).GetProperty("instruments").EnumerateArray().ToList();
        Assert.Equal(["imaging.latency", "imaging.requests"], instruments.Select(i => i.GetProperty("name").GetString()).Order());
        var counter = await GetJsonAsync(dashboard, $"/api/metrics/instrument?resource=resultsapi&scope={meter.Name}&name=imaging.requests");
        Assert.Equal("sum", counter.GetProperty("type").GetString());
        Assert.Equal("{request}", counter.GetProperty("unit").GetString());
        Assert.Equal("Requests served", counter.GetProperty("description").GetString());
        var byRoute = counter.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("attributes").GetProperty("route").GetString()!, s => s.GetProperty("points"));
        Assert.Equal(42, byRoute["/series"].EnumerateArray().Last().GetProperty("value").GetDouble());
        Assert.Equal(5, byRoute["/studies"].EnumerateArray().Last().GetProperty("value").GetDouble());

        var histogram = await GetJsonAsync(dashboard, $"/api/metrics/instrument?resource=resultsapi&scope={meter.Name}&name=imaging.latency");
        var points = Assert.Single(histogram.GetProperty("series").EnumerateArray()).GetProperty("points").EnumerateArray().ToList();
        // Two flushes and the export that disposing the provider makes.
        Assert.Equal(3, points.Count);
        // 1..100 ms in buckets of 25: a quarter each, so the percentiles fall exactly on 50, 90 and 99.
        Assert.Equal((50.0, 90.0, 99.0, 100.0), Percentiles(points[0]));
        // The second export is cumulative (200 values); the chart shows the interval's own 100 values of 10 ms, all in (0, 25].
        Assert.Equal((12.5, 22.5, 24.75, 100.0), Percentiles(points[1]));
        // Nothing recorded since: an empty interval, with no percentiles to show.
        Assert.Equal(0, points[2].GetProperty("count").GetDouble());
        Assert.Equal(JsonValueKind.Null, points[2].GetProperty("p50").ValueKind);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task An_export_without_the_right_api_key_is_refused_and_keeps_nothing(string protocol)
    {
        await using var dashboard = await DashboardUnderTest.StartAsync();
        using var source = new ActivitySource($"Receiver.Tests.{Guid.NewGuid():N}");
        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name)
            .AddOtlpExporter(o =>
            {
                Configure(o, dashboard, protocol, "traces");
                o.Headers = "x-otlp-api-key=not-the-key-0123456789";
            })
            .Build())
        {
            source.StartActivity("refused")!.Stop();
            tracing.ForceFlush(10_000);
        }

        using var withoutKey = new HttpClient();
        using var response = await withoutKey.PostAsync(new Uri(dashboard.Host.OtlpHttpUrl, "v1/traces"), Protobuf(new ExportTraceServiceRequest()), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, (await GetJsonAsync(dashboard, "/api/telemetry")).GetProperty("stored").GetProperty("spans").GetInt64());
    }

    [Fact]
    public async Task OTLP_HTTP_refuses_json_unreadable_protobuf_and_gzip_bombs_and_takes_gzip()
    {
        await using var dashboard = await DashboardUnderTest.StartAsync();
        using var client = OtlpClient(dashboard);
        var ct = TestContext.Current.CancellationToken;

        using var json = await client.PostAsync("v1/traces", new StringContent("{\"resourceSpans\":[]}", null, "application/json"), ct);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);

        using var garbage = await client.PostAsync("v1/traces", Bytes([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), ct);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Contains("not a valid OTLP protobuf message", await garbage.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);

        var bomb = Gzip(new byte[17 * 1024 * 1024]);
        using var bombed = await client.PostAsync("v1/traces", Bytes(bomb, gzip: true), ct);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, bombed.StatusCode);

        var request = Request(Enumerable.Range(1, 3).Select(i => Span(TraceId(1), i)));
        using var gzipped = await client.PostAsync("v1/traces", Bytes(Gzip(request.ToByteArray()), gzip: true), ct);
        Assert.Equal(HttpStatusCode.OK, gzipped.StatusCode);
        Assert.Equal("application/x-protobuf", gzipped.Content.Headers.ContentType!.MediaType);
        Assert.Null(ExportTraceServiceResponse.Parser.ParseFrom(await gzipped.Content.ReadAsByteArrayAsync(ct)).PartialSuccess);
        Assert.Equal(3, (await GetJsonAsync(dashboard, "/api/telemetry")).GetProperty("stored").GetProperty("spans").GetInt64());
    }

    [Fact]
    public async Task The_limits_keep_the_newest_traces_and_refuse_spans_beyond_a_full_trace_as_a_partial_success()
    {
        await using var dashboard = await DashboardUnderTest.StartAsync(new TelemetryLimits { MaxTraceCount = 5, MaxSpansPerTrace = 3 });
        using var client = OtlpClient(dashboard);
        var ct = TestContext.Current.CancellationToken;

        using var full = await client.PostAsync("v1/traces", Protobuf(Request(Enumerable.Range(1, 5).Select(i => Span(TraceId(100), i)))), ct);
        var answer = ExportTraceServiceResponse.Parser.ParseFrom(await full.Content.ReadAsByteArrayAsync(ct));
        Assert.Equal(2, answer.PartialSuccess.RejectedSpans);
        Assert.Equal(3, (await GetJsonAsync(dashboard, $"/api/traces/{Convert.ToHexStringLower(TraceId(100))}")).GetProperty("spans").GetArrayLength());

        for (var t = 1; t <= 8; t++)
        {
            using var response = await client.PostAsync("v1/traces", Protobuf(Request([Span(TraceId(t), 1)])), ct);
            response.EnsureSuccessStatusCode();
        }

        var kept = (await GetJsonAsync(dashboard, "/api/traces")).GetProperty("traces").EnumerateArray().Select(t => t.GetProperty("traceId").GetString()!).ToHashSet();
        Assert.Equal(Enumerable.Range(4, 5).Select(t => Convert.ToHexStringLower(TraceId(t))).ToHashSet(), kept);
        using var evicted = await dashboard.Ui.GetAsync($"/api/traces/{Convert.ToHexStringLower(TraceId(100))}", ct);
        Assert.Equal(HttpStatusCode.NotFound, evicted.StatusCode);
    }

    [Fact]
    public async Task Without_an_api_key_configured_the_receiver_takes_exports_without_one()
    {
        await using var dashboard = await DashboardUnderTest.StartAsync(otlpAuth: AppHost.Hosting.OtlpAuthMode.Unsecured);
        using var client = new HttpClient { BaseAddress = dashboard.Host.OtlpHttpUrl };
        using var response = await client.PostAsync("v1/traces", Protobuf(Request([Span(TraceId(7), 1)])), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(dashboard.Host.OtlpApiKey);
    }

    private static void Configure(OtlpExporterOptions options, DashboardUnderTest dashboard, string protocol, string signal)
    {
        options.Protocol = protocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
        // With HTTP/protobuf an endpoint set in code is used as it is, so it names the signal's path.
        options.Endpoint = protocol == "grpc" ? dashboard.Host.OtlpGrpcUrl : new Uri(dashboard.Host.OtlpHttpUrl, $"v1/{signal}");
        options.Headers = $"x-otlp-api-key={DashboardUnderTest.ApiKey}";
        options.ExportProcessorType = ExportProcessorType.Simple;
    }

    private static HttpClient OtlpClient(DashboardUnderTest dashboard)
    {
        var client = new HttpClient { BaseAddress = dashboard.Host.OtlpHttpUrl };
        client.DefaultRequestHeaders.Add("x-otlp-api-key", DashboardUnderTest.ApiKey);
        return client;
    }

    private static async Task<JsonElement> GetJsonAsync(DashboardUnderTest dashboard, string path)
    {
        using var response = await dashboard.Ui.GetAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone();
    }

    private static string? Attribute(JsonElement element, string key) =>
        element.GetProperty("attributes").EnumerateArray().Where(a => a.GetProperty("key").GetString() == key).Select(a => a.GetProperty("value").GetString()).SingleOrDefault();

    private static (double, double, double, double) Percentiles(JsonElement point) =>
        (Math.Round(point.GetProperty("p50").GetDouble(), 9), Math.Round(point.GetProperty("p90").GetDouble(), 9),
            Math.Round(point.GetProperty("p99").GetDouble(), 9), point.GetProperty("count").GetDouble());

    private static byte[] TraceId(int n) => [.. BitConverter.GetBytes((long)n), .. new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }];

    private static Span Span(byte[] traceId, int n) => new()
    {
        TraceId = ByteString.CopyFrom(traceId),
        SpanId = ByteString.CopyFrom(BitConverter.GetBytes((long)n)),
        Name = $"span {n}",
        Kind = AppHost.Dashboard.Otlp.Proto.Trace.Span.Types.SpanKind.Internal,
        StartTimeUnixNano = 1_000_000_000UL * (ulong)n,
        EndTimeUnixNano = (1_000_000_000UL * (ulong)n) + 1_000,
    };

    private static ExportTraceServiceRequest Request(IEnumerable<Span> spans)
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "tests" } };
        scope.Spans.AddRange(spans);
        var resource = new ResourceSpans { Resource = new AppHost.Dashboard.Otlp.Proto.Resource.Resource() };
        resource.Resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "resultsapi" } });
        resource.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resource);
        return request;
    }

    private static ByteArrayContent Protobuf(IMessage message) => Bytes(message.ToByteArray());

    private static ByteArrayContent Bytes(byte[] bytes, bool gzip = false)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        if (gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        return content;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }
}
