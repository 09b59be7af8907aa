using System.Globalization;
using AppHost.Dashboard.Otlp.Proto.Collector.Logs;
using AppHost.Dashboard.Otlp.Proto.Collector.Metrics;
using AppHost.Dashboard.Otlp.Proto.Collector.Trace;
using AppHost.Dashboard.Otlp.Proto.Common;
using AppHost.Dashboard.Telemetry;
using Google.Protobuf;
using Google.Protobuf.Collections;
using ProtoSpan = AppHost.Dashboard.Otlp.Proto.Trace.Span;

namespace AppHost.Dashboard.Otlp;

/// <summary>
/// Turns OTLP export requests into what the store keeps: ids as lower-case hex, attribute values as text, cut to the
/// configured limits. Gets the same requests from OTLP/gRPC and OTLP/HTTP.
/// </summary>
public sealed class OtlpConverter(TelemetryStore store)
{
    private const int MaxInterned = 20_000;

    private readonly TelemetryLimits _limits = store.Limits;

    // Attribute names and short values ("http.request.method", "GET", "200") repeat on every span; one copy of each
    // is kept. Bounded, so a sender of ever-new names cannot grow it without end.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _interned = new(StringComparer.Ordinal);

    /// <summary>Returns how many spans were refused.</summary>
    public int Add(ExportTraceServiceRequest request)
    {
        var spans = new List<StoredSpan>();
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var source = SourceOf(resourceSpans.Resource?.Attributes);
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                var scope = scopeSpans.Scope?.Name ?? "";
                foreach (var span in scopeSpans.Spans)
                {
                    if (span.TraceId.Length != 16 || span.SpanId.Length != 8)
                    {
                        continue;
                    }

                    spans.Add(new StoredSpan(
                        Hex(span.TraceId),
                        Hex(span.SpanId),
                        span.ParentSpanId.Length == 8 ? Hex(span.ParentSpanId) : null,
                        Cut(span.Name),
                        span.Kind switch
                        {
                            ProtoSpan.Types.SpanKind.Server => StoredSpanKind.Server,
                            ProtoSpan.Types.SpanKind.Client => StoredSpanKind.Client,
                            ProtoSpan.Types.SpanKind.Producer => StoredSpanKind.Producer,
                            ProtoSpan.Types.SpanKind.Consumer => StoredSpanKind.Consumer,
                            _ => StoredSpanKind.Internal,
                        },
                        source,
                        scope,
                        (long)span.StartTimeUnixNano,
                        (long)Math.Max(span.EndTimeUnixNano, span.StartTimeUnixNano),
                        span.Status?.Code switch
                        {
                            Proto.Trace.Status.Types.StatusCode.Ok => StoredSpanStatus.Ok,
                            Proto.Trace.Status.Types.StatusCode.Error => StoredSpanStatus.Error,
                            _ => StoredSpanStatus.Unset,
                        },
                        string.IsNullOrEmpty(span.Status?.Message) ? null : Cut(span.Status.Message),
                        Attributes(span.Attributes),
                        [.. span.Events.Take(_limits.MaxSpanEventCount).Select(e => new StoredSpanEvent(Cut(e.Name), (long)e.TimeUnixNano, Attributes(e.Attributes)))],
                        [.. span.Links.Where(l => l.TraceId.Length == 16 && l.SpanId.Length == 8).Select(l => new StoredSpanLink(Hex(l.TraceId), Hex(l.SpanId)))]));
                }
            }
        }

        return store.AddSpans(spans);
    }

    public void Add(ExportLogsServiceRequest request)
    {
        var logs = new List<Func<long, StoredLog>>();
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var source = SourceOf(resourceLogs.Resource?.Attributes);
            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                var category = scopeLogs.Scope?.Name ?? "";
                foreach (var record in scopeLogs.LogRecords)
                {
                    var time = (long)(record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano);
                    var level = (int)record.SeverityNumber switch
                    {
                        >= 21 => StoredLogLevel.Critical,
                        >= 17 => StoredLogLevel.Error,
                        >= 13 => StoredLogLevel.Warning,
                        >= 9 => StoredLogLevel.Information,
                        >= 5 => StoredLogLevel.Debug,
                        >= 1 => StoredLogLevel.Trace,
                        _ => StoredLogLevel.Information,
                    };
                    var message = Cut(record.Body is null ? "" : Text(record.Body));
                    var attributes = Attributes(record.Attributes);
                    var traceId = record.TraceId.Length == 16 ? Hex(record.TraceId) : null;
                    var spanId = record.SpanId.Length == 8 ? Hex(record.SpanId) : null;
                    logs.Add(id => new StoredLog(id, time, source, level, category, message, traceId, spanId, attributes));
                }
            }
        }

        store.AddLogs(logs);
    }

    public void Add(ExportMetricsServiceRequest request)
    {
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var source = SourceOf(resourceMetrics.Resource?.Attributes);
            foreach (var scopeMetrics in resourceMetrics.ScopeMetrics)
            {
                var scope = scopeMetrics.Scope?.Name ?? "";
                foreach (var metric in scopeMetrics.Metrics)
                {
                    AddMetric(source, scope, metric);
                }
            }
        }
    }

    private void AddMetric(TelemetrySource source, string scope, Proto.Metrics.Metric metric)
    {
        switch (metric.DataCase)
        {
            case Proto.Metrics.Metric.DataOneofCase.Sum:
                AddNumbers(new InstrumentInfo(source, scope, metric.Name, metric.Description, metric.Unit, InstrumentType.Sum), metric.Sum.DataPoints);
                break;
            case Proto.Metrics.Metric.DataOneofCase.Gauge:
                AddNumbers(new InstrumentInfo(source, scope, metric.Name, metric.Description, metric.Unit, InstrumentType.Gauge), metric.Gauge.DataPoints);
                break;
            case Proto.Metrics.Metric.DataOneofCase.Histogram:
                var info = new InstrumentInfo(source, scope, metric.Name, metric.Description, metric.Unit, InstrumentType.Histogram);
                var cumulative = metric.Histogram.AggregationTemporality == Proto.Metrics.AggregationTemporality.Cumulative;
                foreach (var point in metric.Histogram.DataPoints)
                {
                    store.AddHistogram(info, Attributes(point.Attributes), (long)point.TimeUnixNano, cumulative, point.ExplicitBounds, point.BucketCounts);
                }

                break;
            default:
                // Exponential histograms and summaries are not sent by the .NET SDK's defaults; not charted.
                break;
        }
    }

    private void AddNumbers(InstrumentInfo info, RepeatedField<Proto.Metrics.NumberDataPoint> points)
    {
        foreach (var point in points)
        {
            var value = point.ValueCase == Proto.Metrics.NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : point.AsDouble;
            store.AddNumber(info, Attributes(point.Attributes), (long)point.TimeUnixNano, value);
        }
    }

    private TelemetrySource SourceOf(RepeatedField<KeyValue>? attributes)
    {
        string? name = null, instance = null;
        foreach (var attribute in attributes ?? [])
        {
            if (attribute.Key == "service.name")
            {
                name = Cut(Text(attribute.Value));
            }
            else if (attribute.Key == "service.instance.id")
            {
                instance = Cut(Text(attribute.Value));
            }
        }

        name ??= "unknown_service";
        return new TelemetrySource(name, instance ?? name);
    }

    private StoredAttribute[] Attributes(RepeatedField<KeyValue> attributes) =>
        [.. attributes.Take(_limits.MaxAttributeCount).Select(a => new StoredAttribute(Intern(Cut(a.Key)), Text(a.Value) is var value && value.Length <= 32 ? Intern(value) : Cut(value)))];

    private string Intern(string text) =>
        _interned.TryGetValue(text, out var kept) ? kept : _interned.Count < MaxInterned ? _interned.GetOrAdd(text, text) : text;

    private string Cut(string text) => text.Length <= _limits.MaxAttributeLength ? text : text[.._limits.MaxAttributeLength];

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    private static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.Span),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Text)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(kv => kv.Key + ": " + Text(kv.Value))) + "}",
        _ => "",
    };
}
