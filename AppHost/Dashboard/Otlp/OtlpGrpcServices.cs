using AppHost.Dashboard.Otlp.Proto.Collector.Logs;
using AppHost.Dashboard.Otlp.Proto.Collector.Metrics;
using AppHost.Dashboard.Otlp.Proto.Collector.Trace;
using Grpc.Core;

namespace AppHost.Dashboard.Otlp;

/// <summary>OTLP/gRPC: opentelemetry.proto.collector.trace.v1.TraceService/Export.</summary>
internal sealed class OtlpTraceService(OtlpConverter converter, OtlpCounters counters) : TraceService.TraceServiceBase
{
    public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
    {
        counters.Received("traces");
        var rejected = converter.Add(request);
        return Task.FromResult(OtlpResponses.Traces(rejected));
    }
}

/// <summary>OTLP/gRPC: opentelemetry.proto.collector.logs.v1.LogsService/Export.</summary>
internal sealed class OtlpLogsService(OtlpConverter converter, OtlpCounters counters) : LogsService.LogsServiceBase
{
    public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context)
    {
        counters.Received("logs");
        converter.Add(request);
        return Task.FromResult(new ExportLogsServiceResponse());
    }
}

/// <summary>OTLP/gRPC: opentelemetry.proto.collector.metrics.v1.MetricsService/Export.</summary>
internal sealed class OtlpMetricsService(OtlpConverter converter, OtlpCounters counters) : MetricsService.MetricsServiceBase
{
    public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
    {
        counters.Received("metrics");
        converter.Add(request);
        return Task.FromResult(new ExportMetricsServiceResponse());
    }
}

internal static class OtlpResponses
{
    /// <summary>A partial success tells the exporter not to retry the spans refused (OTLP: partial_success).</summary>
    public static ExportTraceServiceResponse Traces(int rejected) => rejected == 0
        ? new ExportTraceServiceResponse()
        : new ExportTraceServiceResponse
        {
            PartialSuccess = new ExportTracePartialSuccess
            {
                RejectedSpans = rejected,
                ErrorMessage = "the trace holds the most spans the dashboard keeps per trace (AppHost:Dashboard:TelemetryLimits:MaxSpansPerTrace)",
            },
        };
}

/// <summary>Export requests received per signal, for /api/telemetry.</summary>
internal sealed class OtlpCounters
{
    private long _traces;
    private long _logs;
    private long _metrics;

    public void Received(string signal)
    {
        switch (signal)
        {
            case "traces":
                Interlocked.Increment(ref _traces);
                break;
            case "logs":
                Interlocked.Increment(ref _logs);
                break;
            default:
                Interlocked.Increment(ref _metrics);
                break;
        }
    }

    public IReadOnlyDictionary<string, long> Snapshot() => new Dictionary<string, long>
    {
        ["traces"] = Interlocked.Read(ref _traces),
        ["logs"] = Interlocked.Read(ref _logs),
        ["metrics"] = Interlocked.Read(ref _metrics),
    };
}
