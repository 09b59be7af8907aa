namespace AppHost.Dashboard.Telemetry;

/// <summary>
/// How much telemetry the dashboard keeps in memory (AppHost:Dashboard:TelemetryLimits). The oldest goes first when a
/// limit is reached; the defaults follow Aspire's dashboard where it has one.
/// </summary>
public sealed class TelemetryLimits
{
    public int MaxLogCount { get; set; } = 10_000;

    public int MaxTraceCount { get; set; } = 10_000;

    /// <summary>Spans beyond this in one trace are refused (counted as rejected), so one runaway trace cannot fill memory.</summary>
    public int MaxSpansPerTrace { get; set; } = 2_000;

    public int MaxAttributeCount { get; set; } = 128;

    /// <summary>Longer attribute values (and log messages) are cut to this many characters.</summary>
    public int MaxAttributeLength { get; set; } = 4_096;

    public int MaxSpanEventCount { get; set; } = 100;

    /// <summary>Points kept per metric series (one per export: 5 minutes at the services' 1 s interval).</summary>
    public int MaxMetricPointsPerSeries { get; set; } = 300;

    /// <summary>Distinct attribute sets kept per instrument; further sets are dropped.</summary>
    public int MaxSeriesPerInstrument { get; set; } = 100;

    /// <summary>Distinct instruments kept in all.</summary>
    public int MaxInstrumentCount { get; set; } = 2_000;

    internal IEnumerable<string> Validate()
    {
        foreach (var (name, value) in new (string, int)[]
        {
            (nameof(MaxLogCount), MaxLogCount), (nameof(MaxTraceCount), MaxTraceCount), (nameof(MaxSpansPerTrace), MaxSpansPerTrace),
            (nameof(MaxAttributeCount), MaxAttributeCount), (nameof(MaxAttributeLength), MaxAttributeLength), (nameof(MaxSpanEventCount), MaxSpanEventCount),
            (nameof(MaxMetricPointsPerSeries), MaxMetricPointsPerSeries), (nameof(MaxSeriesPerInstrument), MaxSeriesPerInstrument),
            (nameof(MaxInstrumentCount), MaxInstrumentCount),
        })
        {
            if (value < 1)
            {
                yield return $"AppHost:Dashboard:TelemetryLimits:{name} must be at least 1 (it is {value}).";
            }
        }
    }
}
