using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using AppHost.Dashboard;
using AppHost.Dashboard.Apis;
using AppHost.Dashboard.Otlp;
using AppHost.Dashboard.Otlp.Proto.Collector.Logs;
using AppHost.Dashboard.Otlp.Proto.Collector.Trace;
using AppHost.Dashboard.Otlp.Proto.Common;
using AppHost.Dashboard.Otlp.Proto.Logs;
using AppHost.Dashboard.Otlp.Proto.Trace;
using AppHost.Dashboard.Telemetry;
using AppHost.Hosting;
using AppHost.Hosting.Orchestration;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

// Usage: DashboardIngest <seconds per run> <output.md>
var seconds = int.Parse(args.ElementAtOrDefault(0) ?? "10", CultureInfo.InvariantCulture);
var output = args.ElementAtOrDefault(1) ?? "docs/benchmarks/dashboard-ingest.md";
const int SpansPerBatch = 512;
const int Clients = 8;
const string Key = "bench-otlp-key-0123456789";

// Batches as the .NET SDK sends them: 512 spans, a service resource, HTTP-server-like attributes; 16 traces per batch.
var batches = Enumerable.Range(0, 64).Select(b => TraceBatch(b, SpansPerBatch)).Select(r => r.ToByteArray()).ToArray();
Console.WriteLine($"batch: {SpansPerBatch} spans, {batches[0].Length / 1024.0:0.0} KiB");

var results = new List<(string Receiver, string Transport, double SpansPerSecond, double CpuMsPer1000Spans)>();
foreach (var transport in new[] { "http/protobuf", "grpc" })
{
    await using (var dashboard = await DashboardHost.StartAsync(Options(new TelemetryLimits()), new PortAllocator(), new ResourceNotificationService(),
        new ResourceLogStore(null), ResourceControl.None, CancellationToken.None))
    {
        var target = transport == "grpc" ? dashboard.OtlpGrpcUrl : dashboard.OtlpHttpUrl;
        var (rate, cpu) = await LoadAsync(target, transport, batches, seconds);
        results.Add(("dashboard (parse + keep)", transport, rate, cpu));
        var stored = dashboard.Telemetry.Counts();
        Console.WriteLine($"dashboard {transport}: {rate:0} spans/s, holding {stored.Traces} traces, {stored.Spans} spans, {stored.RejectedSpans} refused");
    }

    await using (var baseline = await DiscardingReceiver.StartAsync())
    {
        var target = transport == "grpc" ? baseline.GrpcUrl : baseline.HttpUrl;
        var (rate, cpu) = await LoadAsync(target, transport, batches, seconds);
        results.Add(("baseline (parse + discard)", transport, rate, cpu));
        Console.WriteLine($"baseline {transport}: {rate:0} spans/s");
    }
}

// Memory when every default limit is reached: 10,000 traces of 20 spans, 10,000 logs, 200 instruments x 5 series x 300 points.
var limits = new TelemetryLimits();
GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
var before = GC.GetTotalMemory(forceFullCollection: true);
var store = new TelemetryStore(limits);
var converter = new OtlpConverter(store);
for (var t = 0; t < limits.MaxTraceCount; t += 16)
{
    converter.Add(TraceBatch(t / 16, 16 * 20, tracesPerBatch: 16));
}

for (var l = 0; l < limits.MaxLogCount; l += 500)
{
    converter.Add(LogBatch(l, 500));
}

var series = new[] { "GET", "POST", "PUT", "DELETE", "PATCH" };
for (var point = 0; point < limits.MaxMetricPointsPerSeries; point++)
{
    for (var instrument = 0; instrument < 200; instrument++)
    {
        foreach (var method in series)
        {
            store.AddNumber(new InstrumentInfo(new TelemetrySource("resultsapi", "resultsapi-1"), "Bench", $"bench.instrument.{instrument}", "", "s", InstrumentType.Gauge),
                [new StoredAttribute("http.request.method", method)], point * 1_000_000_000L, point);
        }
    }
}

var after = GC.GetTotalMemory(forceFullCollection: true);
var counts = store.Counts();
GC.KeepAlive(store);
var megabytes = (after - before) / (1024.0 * 1024.0);
Console.WriteLine($"full store: {counts.Traces} traces, {counts.Spans} spans, {counts.Logs} logs, {counts.MetricPoints} points: {megabytes:0} MiB");

var report = new StringBuilder();
report.AppendLine("# Dashboard OTLP ingest");
report.AppendLine();
report.AppendLine(CultureInfo.InvariantCulture, $"Written by `bench/dashboard-ingest.sh` on {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount} cores, Release build, {seconds} s per run.");
report.AppendLine(CultureInfo.InvariantCulture, $"{Clients} clients post pre-serialized batches of {SpansPerBatch} spans ({batches[0].Length / 1024.0:0.0} KiB, HTTP-server-like attributes) as fast as");
report.AppendLine("answers come back, to the app host's receiver and, in the same process and run, to a receiver that parses each batch");
report.AppendLine("and throws it away (what the app host did before the dashboard). The clients run in the same process, so the CPU");
report.AppendLine("column includes theirs. No OTLP collector is packaged for Debian 12, so there is no outside peer to run beside it.");
report.AppendLine();
report.AppendLine("| receiver | transport | spans/s | process CPU ms per 1,000 spans |");
report.AppendLine("| --- | --- | ---: | ---: |");
foreach (var r in results)
{
    report.AppendLine(CultureInfo.InvariantCulture, $"| {r.Receiver} | {r.Transport} | {r.SpansPerSecond:N0} | {r.CpuMsPer1000Spans:0.00} |");
}

report.AppendLine();
report.AppendLine("## Memory at the default limits");
report.AppendLine();
report.AppendLine(CultureInfo.InvariantCulture, $"The store filled to every default limit: {counts.Traces:N0} traces of 20 spans ({counts.Spans:N0} spans, 10 attributes each),");
report.AppendLine(CultureInfo.InvariantCulture, $"{counts.Logs:N0} structured logs (4 attributes each), 200 instruments × 5 series × {limits.MaxMetricPointsPerSeries} points ({counts.MetricPoints:N0} points).");
report.AppendLine(CultureInfo.InvariantCulture, $"Managed heap growth after a full collection: **{megabytes:0} MiB**. Past the limits the oldest goes, so this is the most it holds");
report.AppendLine("with spans of this size; longer attributes (cut at 4,096 characters) or more spans per trace raise it in proportion.");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
await File.WriteAllTextAsync(output, report.ToString());
Console.WriteLine($"wrote {output}");
return;

static DashboardOptions Options(TelemetryLimits limits) => new()
{
    Port = 0,
    OtlpGrpcPort = 0,
    OtlpHttpPort = 0,
    OtlpApiKey = Key,
    TelemetryLimits = limits,
};

static async Task<(double SpansPerSecond, double CpuMsPer1000Spans)> LoadAsync(Uri target, string transport, byte[][] batches, int seconds)
{
    using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Clients, EnableMultipleHttp2Connections = true };
    using var client = new HttpClient(handler) { BaseAddress = target };
    var grpc = transport == "grpc";
    long posts = 0;
    async Task<long> PostAsync(byte[] template)
    {
        // Every post carries traces of its own, as a running system's exports do: the trace ids' first 8 bytes are renumbered.
        var batch = (byte[])template.Clone();
        var post = Interlocked.Increment(ref posts);
        foreach (var offset in TraceIdOffsets(template))
        {
            var trace = BinaryPrimitives.ReadInt64LittleEndian(batch.AsSpan(offset));
            BinaryPrimitives.WriteInt64LittleEndian(batch.AsSpan(offset), trace + (post * 1_000_000));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, grpc ? "opentelemetry.proto.collector.trace.v1.TraceService/Export" : "v1/traces");
        request.Headers.Add("x-otlp-api-key", Key);
        if (grpc)
        {
            // gRPC framing: not compressed, 4-byte big-endian length, the message.
            var framed = new byte[batch.Length + 5];
            BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)batch.Length);
            batch.CopyTo(framed, 5);
            request.Content = new ByteArrayContent(framed);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            request.Headers.TE.ParseAdd("trailers");
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
        else
        {
            request.Content = new ByteArrayContent(batch);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        }

        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsByteArrayAsync();
        if (grpc && response.TrailingHeaders.TryGetValues("grpc-status", out var status) && status.Single() != "0")
        {
            throw new InvalidOperationException($"gRPC status {status.Single()}");
        }

        return SpansPerBatch;
    }

    // Warm-up, then the timed run.
    for (var i = 0; i < 20; i++)
    {
        await PostAsync(batches[i % batches.Length]);
    }

    var process = Process.GetCurrentProcess();
    var cpuBefore = process.TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    var deadline = TimeSpan.FromSeconds(seconds);
    var workers = Enumerable.Range(0, Clients).Select(async c =>
    {
        long spans = 0;
        for (var i = c; clock.Elapsed < deadline; i += Clients)
        {
            spans += await PostAsync(batches[i % batches.Length]);
        }

        return spans;
    }).ToList();
    var total = (await Task.WhenAll(workers)).Sum();
    var elapsed = clock.Elapsed.TotalSeconds;
    process.Refresh();
    var cpu = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
    return (total / elapsed, cpu / (total / 1000.0));
}

// Where each span's trace id lies in a serialized batch: field 1, length 16, ending in the benchmark's 0x5eed marker.
static List<int> TraceIdOffsets(byte[] batch)
{
    lock (OffsetCache.Known)
    {
        if (OffsetCache.Known.TryGetValue(batch, out var known))
        {
            return known;
        }

        var marker = BitConverter.GetBytes(0x5eedL);
        var offsets = new List<int>();
        for (var i = 2; i + 16 <= batch.Length; i++)
        {
            if (batch[i - 2] == 0x0a && batch[i - 1] == 0x10 && batch.AsSpan(i + 8, 8).SequenceEqual(marker))
            {
                offsets.Add(i);
            }
        }

        OffsetCache.Known[batch] = offsets;
        return offsets;
    }
}

static ExportTraceServiceRequest TraceBatch(int batch, int spans, int tracesPerBatch = 16)
{
    var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "Microsoft.AspNetCore" } };
    var start = 1_700_000_000_000_000_000UL + ((ulong)batch * 1_000_000_000UL);
    for (var s = 0; s < spans; s++)
    {
        var trace = (batch * tracesPerBatch) + (s % tracesPerBatch);
        var span = new Span
        {
            TraceId = ByteString.CopyFrom([.. BitConverter.GetBytes((long)trace), .. BitConverter.GetBytes(0x5eedL)]),
            SpanId = ByteString.CopyFrom(BitConverter.GetBytes(((long)batch << 32) | (uint)s)),
            Name = "GET /api/v1/series/{uid}",
            Kind = Span.Types.SpanKind.Server,
            StartTimeUnixNano = start + ((ulong)s * 1000),
            EndTimeUnixNano = start + ((ulong)s * 1000) + 2_500_000,
        };
        foreach (var (key, value) in new[]
        {
            ("http.request.method", "GET"), ("http.route", "/api/v1/series/{uid}"), ("url.path", $"/api/v1/series/1.2.840.113619.2.{batch}.{s}"),
            ("url.scheme", "http"), ("server.address", "localhost"), ("server.port", "5100"), ("network.protocol.version", "1.1"),
            ("user_agent.original", "ImagingClient/1.0"), ("http.response.status_code", "200"), ("imaging.series_uid", $"1.2.840.113619.2.{batch}.{s}"),
        })
        {
            span.Attributes.Add(new KeyValue { Key = key, Value = new AnyValue { StringValue = value } });
        }

        scope.Spans.Add(span);
    }

    var resource = new ResourceSpans { Resource = new AppHost.Dashboard.Otlp.Proto.Resource.Resource() };
    resource.Resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "resultsapi" } });
    resource.Resource.Attributes.Add(new KeyValue { Key = "service.instance.id", Value = new AnyValue { StringValue = "resultsapi-1" } });
    resource.ScopeSpans.Add(scope);
    var request = new ExportTraceServiceRequest();
    request.ResourceSpans.Add(resource);
    return request;
}

static ExportLogsServiceRequest LogBatch(int first, int count)
{
    var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "Imaging.ResultsApi.Series" } };
    for (var i = first; i < first + count; i++)
    {
        var record = new LogRecord
        {
            TimeUnixNano = 1_700_000_000_000_000_000UL + (ulong)i,
            SeverityNumber = SeverityNumber.Info,
            Body = new AnyValue { StringValue = $"Series 1.2.840.113619.2.{i} stored with 120 instances for source 7" },
            TraceId = ByteString.CopyFrom(new byte[16]),
        };
        foreach (var (key, value) in new[] { ("SeriesInstanceUid", $"1.2.840.113619.2.{i}"), ("Instances", "120"), ("SourceId", "7"), ("{OriginalFormat}", "Series {SeriesInstanceUid} stored with {Instances} instances for source {SourceId}") })
        {
            record.Attributes.Add(new KeyValue { Key = key, Value = new AnyValue { StringValue = value } });
        }

        scope.LogRecords.Add(record);
    }

    var resource = new ResourceLogs { Resource = new AppHost.Dashboard.Otlp.Proto.Resource.Resource() };
    resource.Resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "resultsapi" } });
    resource.ScopeLogs.Add(scope);
    var request = new ExportLogsServiceRequest();
    request.ResourceLogs.Add(resource);
    return request;
}

internal static class OffsetCache
{
    public static readonly Dictionary<byte[], List<int>> Known = new(ReferenceEqualityComparer.Instance);
}

/// <summary>The baseline: the same Kestrel set-up and protobuf parse, but every batch is dropped once parsed.</summary>
internal sealed class DiscardingReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DiscardingReceiver(WebApplication app, Uri httpUrl, Uri grpcUrl)
    {
        _app = app;
        HttpUrl = httpUrl;
        GrpcUrl = grpcUrl;
    }

    public Uri HttpUrl { get; }

    public Uri GrpcUrl { get; }

    public static async Task<DiscardingReceiver> StartAsync()
    {
        var ports = new PortAllocator();
        var (http, grpc) = (ports.Allocate(), ports.Allocate());
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenLocalhost(http, l => l.Protocols = HttpProtocols.Http1AndHttp2);
            k.ListenLocalhost(grpc, l => l.Protocols = HttpProtocols.Http2);
        });
        var app = builder.Build();
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            ExportTraceServiceRequest.Parser.ParseFrom(body.GetBuffer().AsSpan(0, (int)body.Length));
            return Results.Bytes(new ExportTraceServiceResponse().ToByteArray(), "application/x-protobuf");
        });
        app.MapPost("/opentelemetry.proto.collector.trace.v1.TraceService/Export", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            ExportTraceServiceRequest.Parser.ParseFrom(body.GetBuffer().AsSpan(5, (int)body.Length - 5));
            context.Response.ContentType = "application/grpc";
            context.Response.AppendTrailer("grpc-status", "0");
            await context.Response.Body.WriteAsync(new byte[5]);
        });
        await app.StartAsync();
        return new DiscardingReceiver(app, new Uri($"http://localhost:{http}/"), new Uri($"http://localhost:{grpc}/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
