namespace AppHost.Dashboard.Telemetry;

/// <summary>Which process sent telemetry: service.name (the app host's resource name) and service.instance.id (the replica).</summary>
public sealed record TelemetrySource(string Resource, string Instance);

public sealed record StoredAttribute(string Key, string Value);

public sealed record StoredSpanEvent(string Name, long TimeUnixNano, IReadOnlyList<StoredAttribute> Attributes);

public sealed record StoredSpanLink(string TraceId, string SpanId);

public enum StoredSpanKind
{
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

public enum StoredSpanStatus
{
    Unset,
    Ok,
    Error,
}

public sealed record StoredSpan(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    StoredSpanKind Kind,
    TelemetrySource Source,
    string Scope,
    long StartUnixNano,
    long EndUnixNano,
    StoredSpanStatus Status,
    string? StatusMessage,
    IReadOnlyList<StoredAttribute> Attributes,
    IReadOnlyList<StoredSpanEvent> Events,
    IReadOnlyList<StoredSpanLink> Links);

/// <summary>Log levels as .NET names them; OTLP severity numbers map onto them in fours.</summary>
public enum StoredLogLevel
{
    Trace,
    Debug,
    Information,
    Warning,
    Error,
    Critical,
}

public sealed record StoredLog(
    long Id,
    long TimeUnixNano,
    TelemetrySource Source,
    StoredLogLevel Level,
    string Category,
    string Message,
    string? TraceId,
    string? SpanId,
    IReadOnlyList<StoredAttribute> Attributes);

public enum InstrumentType
{
    Sum,
    Gauge,
    Histogram,
}

/// <summary>One point of a series: a value for sums and gauges; estimated percentiles and a count for histograms.</summary>
public sealed record MetricPoint(long TimeUnixNano, double? Value, double? P50, double? P90, double? P99, double? Count);

public static class UnixNano
{
    public static DateTimeOffset ToDateTimeOffset(long unixNano) => DateTimeOffset.UnixEpoch.AddTicks(unixNano / 100);

    public static long From(DateTimeOffset time) => (time - DateTimeOffset.UnixEpoch).Ticks * 100;
}
