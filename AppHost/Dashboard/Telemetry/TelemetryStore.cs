namespace AppHost.Dashboard.Telemetry;

/// <summary>
/// Everything the dashboard knows of the services' telemetry, in memory and bounded by <see cref="TelemetryLimits"/>:
/// logs in arrival order, spans grouped by trace, metric points per instrument and attribute set. One lock per
/// signal: exports of different signals never wait on each other, and the dashboard's reads copy what they return.
/// </summary>
public sealed class TelemetryStore(TelemetryLimits limits)
{
    private readonly Lock _traceGate = new();
    private readonly Dictionary<string, TraceEntry> _traces = new(StringComparer.Ordinal);
    private readonly Queue<string> _traceOrder = new();
    private readonly Lock _logGate = new();
    private readonly Queue<StoredLog> _logs = new();
    private readonly Lock _metricGate = new();
    private readonly Dictionary<(TelemetrySource Source, string Scope, string Name), Instrument> _instruments = [];
    private long _nextLogId;
    private long _spanCount;
    private long _rejectedSpans;
    private long _droppedSeries;

    public TelemetryLimits Limits => limits;

    /// <summary>Adds spans; returns how many were refused because their trace is full.</summary>
    public int AddSpans(IEnumerable<StoredSpan> spans)
    {
        var rejected = 0;
        lock (_traceGate)
        {
            foreach (var span in spans)
            {
                if (!_traces.TryGetValue(span.TraceId, out var trace))
                {
                    trace = new TraceEntry(span.TraceId);
                    _traces[span.TraceId] = trace;
                    _traceOrder.Enqueue(span.TraceId);
                    while (_traces.Count > limits.MaxTraceCount)
                    {
                        _spanCount -= _traces[_traceOrder.Peek()].Spans.Count;
                        _traces.Remove(_traceOrder.Dequeue());
                    }
                }

                if (trace.Spans.Count >= limits.MaxSpansPerTrace)
                {
                    rejected++;
                    continue;
                }

                trace.Add(span);
                _spanCount++;
            }

            _rejectedSpans += rejected;
        }

        return rejected;
    }

    public void AddLogs(IEnumerable<Func<long, StoredLog>> create)
    {
        lock (_logGate)
        {
            foreach (var log in create)
            {
                _logs.Enqueue(log(++_nextLogId));
                if (_logs.Count > limits.MaxLogCount)
                {
                    _logs.Dequeue();
                }
            }
        }
    }

    /// <summary>Adds one point of a sum or gauge.</summary>
    public void AddNumber(InstrumentInfo info, IReadOnlyList<StoredAttribute> attributes, long timeUnixNano, double value)
    {
        lock (_metricGate)
        {
            Series(info, attributes)?.Add(new MetricPoint(timeUnixNano, value, null, null, null, null), limits.MaxMetricPointsPerSeries);
        }
    }

    /// <summary>
    /// Adds one histogram point. Cumulative buckets are turned into the interval's own by subtracting the series'
    /// previous buckets, so the percentiles describe the last interval and not the whole run.
    /// </summary>
    public void AddHistogram(InstrumentInfo info, IReadOnlyList<StoredAttribute> attributes, long timeUnixNano, bool cumulative,
        IReadOnlyList<double> bounds, IReadOnlyList<ulong> bucketCounts)
    {
        lock (_metricGate)
        {
            if (Series(info, attributes) is not { } series)
            {
                return;
            }

            var counts = bucketCounts.ToArray();
            var interval = counts;
            if (cumulative && series.PreviousBuckets is { } previous && previous.Length == counts.Length && counts.Zip(previous).All(p => p.First >= p.Second))
            {
                interval = [.. counts.Zip(previous, (now, before) => now - before)];
            }

            series.PreviousBuckets = cumulative ? counts : null;
            var total = interval.Aggregate(0UL, (sum, c) => sum + c);
            series.Add(new MetricPoint(timeUnixNano, null,
                Percentile(bounds, interval, total, 0.50), Percentile(bounds, interval, total, 0.90), Percentile(bounds, interval, total, 0.99), total),
                limits.MaxMetricPointsPerSeries);
        }
    }

    public TelemetryCounts Counts()
    {
        long spans, rejected, logs, lastLogId, points, droppedSeries;
        int traces, instruments;
        lock (_traceGate)
        {
            traces = _traces.Count;
            spans = _spanCount;
            rejected = _rejectedSpans;
        }

        lock (_logGate)
        {
            logs = _logs.Count;
            lastLogId = _nextLogId;
        }

        lock (_metricGate)
        {
            instruments = _instruments.Count;
            points = _instruments.Values.Sum(i => i.Series.Values.Sum(s => (long)s.Points.Count));
            droppedSeries = _droppedSeries;
        }

        return new TelemetryCounts(traces, spans, rejected, logs, lastLogId, instruments, points, droppedSeries);
    }

    /// <summary>Logs newest first, filtered; <paramref name="total"/> is how many match.</summary>
    public IReadOnlyList<StoredLog> QueryLogs(Func<StoredLog, bool> match, int limit, out int total)
    {
        lock (_logGate)
        {
            var matching = _logs.Where(match).ToList();
            total = matching.Count;
            return [.. Enumerable.Reverse(matching).Take(limit)];
        }
    }

    /// <summary>Each trace's spans, copied; newest trace (by start) first.</summary>
    public IReadOnlyList<IReadOnlyList<StoredSpan>> QueryTraces(Func<IReadOnlyList<StoredSpan>, bool> match, int limit, out int total)
    {
        lock (_traceGate)
        {
            var matching = _traces.Values.Where(t => match(t.Spans)).OrderByDescending(t => t.Start).ToList();
            total = matching.Count;
            return [.. matching.Take(limit).Select(t => (IReadOnlyList<StoredSpan>)[.. t.Spans])];
        }
    }

    public IReadOnlyList<StoredSpan>? GetTrace(string traceId)
    {
        lock (_traceGate)
        {
            return _traces.TryGetValue(traceId, out var trace) ? [.. trace.Spans] : null;
        }
    }

    public IReadOnlyList<InstrumentInfo> Instruments(string? resource)
    {
        lock (_metricGate)
        {
            return [.. _instruments.Values.Select(i => i.Info).Where(i => resource is null || i.Source.Resource == resource)
                .OrderBy(i => i.Source.Resource, StringComparer.Ordinal).ThenBy(i => i.Scope, StringComparer.Ordinal).ThenBy(i => i.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>The series of one instrument over all instances of the resource, each with a copy of its points.</summary>
    public IReadOnlyList<(InstrumentInfo Info, IReadOnlyList<StoredAttribute> Attributes, IReadOnlyList<MetricPoint> Points)> GetSeries(string resource, string scope, string name)
    {
        lock (_metricGate)
        {
            return [.. _instruments.Values
                .Where(i => i.Info.Source.Resource == resource && i.Info.Scope == scope && i.Info.Name == name)
                .SelectMany(i => i.Series.Values.Select(s => (i.Info, s.Attributes, (IReadOnlyList<MetricPoint>)[.. s.Points])))];
        }
    }

    private SeriesEntry? Series(InstrumentInfo info, IReadOnlyList<StoredAttribute> attributes)
    {
        var key = (info.Source, info.Scope, info.Name);
        if (!_instruments.TryGetValue(key, out var instrument))
        {
            if (_instruments.Count >= limits.MaxInstrumentCount)
            {
                _droppedSeries++;
                return null;
            }

            _instruments[key] = instrument = new Instrument(info);
        }

        var seriesKey = string.Join('\u001f', attributes.Select(a => a.Key + "\u001e" + a.Value));
        if (!instrument.Series.TryGetValue(seriesKey, out var series))
        {
            if (instrument.Series.Count >= limits.MaxSeriesPerInstrument)
            {
                _droppedSeries++;
                return null;
            }

            instrument.Series[seriesKey] = series = new SeriesEntry(attributes);
        }

        return series;
    }

    /// <summary>The q-quantile of a bucketed distribution, interpolated linearly inside the bucket it falls in.</summary>
    internal static double? Percentile(IReadOnlyList<double> bounds, IReadOnlyList<ulong> counts, ulong total, double q)
    {
        if (total == 0 || counts.Count != bounds.Count + 1)
        {
            return null;
        }

        var rank = q * total;
        double seen = 0;
        for (var i = 0; i < counts.Count; i++)
        {
            if (counts[i] == 0 || seen + counts[i] < rank)
            {
                seen += counts[i];
                continue;
            }

            if (i == bounds.Count)
            {
                // Above the last bound nothing is known but that bound.
                return bounds.Count > 0 ? bounds[^1] : null;
            }

            var lower = i == 0 ? Math.Min(0, bounds[0]) : bounds[i - 1];
            return lower + ((bounds[i] - lower) * ((rank - seen) / counts[i]));
        }

        return bounds.Count > 0 ? bounds[^1] : null;
    }

    private sealed class TraceEntry(string traceId)
    {
        public string TraceId { get; } = traceId;

        public List<StoredSpan> Spans { get; } = [];

        public long Start { get; private set; } = long.MaxValue;

        public void Add(StoredSpan span)
        {
            Spans.Add(span);
            Start = Math.Min(Start, span.StartUnixNano);
        }
    }

    private sealed class Instrument(InstrumentInfo info)
    {
        public InstrumentInfo Info { get; } = info;

        public Dictionary<string, SeriesEntry> Series { get; } = new(StringComparer.Ordinal);
    }

    private sealed class SeriesEntry(IReadOnlyList<StoredAttribute> attributes)
    {
        public IReadOnlyList<StoredAttribute> Attributes { get; } = attributes;

        public Queue<MetricPoint> Points { get; } = new();

        public ulong[]? PreviousBuckets { get; set; }

        public void Add(MetricPoint point, int max)
        {
            Points.Enqueue(point);
            while (Points.Count > max)
            {
                Points.Dequeue();
            }
        }
    }
}

public sealed record InstrumentInfo(TelemetrySource Source, string Scope, string Name, string Description, string Unit, InstrumentType Type);

public sealed record TelemetryCounts(int Traces, long Spans, long RejectedSpans, long Logs, long LogsReceived, int Instruments, long MetricPoints, long DroppedSeries);
