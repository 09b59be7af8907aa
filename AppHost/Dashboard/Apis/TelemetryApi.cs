using AppHost.Dashboard.Otlp;
using AppHost.Dashboard.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace AppHost.Dashboard.Apis;

/// <summary>The telemetry the services sent: structured logs, traces with their spans, and metrics as series of points.</summary>
internal static class TelemetryApi
{
    private const int MaxPage = 1000;

    public static void MapTelemetryApi(this IEndpointRouteBuilder app, string host)
    {
        var api = app.MapGroup("/api").RequireHost(host);
        api.MapGet("/telemetry", (OtlpCounters counters, TelemetryStore store) =>
            TypedResults.Ok(new Dictionary<string, object>(counters.Snapshot().Select(c => KeyValuePair.Create(c.Key, (object)c.Value)))
            {
                ["stored"] = store.Counts(),
            }));

        api.MapGet("/logs", (TelemetryStore store, string? resource, StoredLogLevel? level, string? text, string? traceId, int? limit) =>
        {
            var entries = store.QueryLogs(log =>
                (string.IsNullOrEmpty(resource) || log.Source.Resource == resource)
                && (level is null || log.Level >= level)
                && (string.IsNullOrEmpty(traceId) || log.TraceId == traceId.ToLowerInvariant())
                && (string.IsNullOrEmpty(text) || log.Message.Contains(text, StringComparison.OrdinalIgnoreCase)
                    || log.Attributes.Any(a => a.Value.Contains(text, StringComparison.OrdinalIgnoreCase))),
                Page(limit), out var total);
            return TypedResults.Ok(new LogPage(total, [.. entries.Select(LogView.From)]));
        });

        api.MapGet("/traces", (TelemetryStore store, string? resource, string? text, int? limit) =>
        {
            var traces = store.QueryTraces(spans =>
                (string.IsNullOrEmpty(resource) || spans.Any(s => s.Source.Resource == resource))
                && (string.IsNullOrEmpty(text) || spans.Any(s => s.Name.Contains(text, StringComparison.OrdinalIgnoreCase) || s.TraceId == text.ToLowerInvariant())),
                Page(limit), out var total);
            return TypedResults.Ok(new TracePage(total, [.. traces.Select(TraceSummary.From)]));
        });

        api.MapGet("/traces/{traceId}", Results<Ok<TraceView>, NotFound<ProblemDetails>> (TelemetryStore store, string traceId) =>
            store.GetTrace(traceId.ToLowerInvariant()) is { Count: > 0 } spans
                ? TypedResults.Ok(TraceView.From(spans))
                : TypedResults.NotFound(ResourcesApi.Problem(404, "No such trace", $"No span of trace {traceId} is kept (it may be older than the dashboard's limits).")));

        api.MapGet("/metrics", (TelemetryStore store, string? resource) =>
            TypedResults.Ok(new InstrumentList([.. store.Instruments(string.IsNullOrEmpty(resource) ? null : resource)
                .Select(i => new InstrumentView(i.Source.Resource, i.Scope, i.Name, i.Description, i.Unit, Lower(i.Type)))
                .Distinct()])));

        api.MapGet("/metrics/instrument", Results<Ok<InstrumentData>, NotFound<ProblemDetails>> (TelemetryStore store, string resource, string scope, string name) =>
        {
            var series = store.GetSeries(resource, scope, name);
            if (series.Count == 0)
            {
                return TypedResults.NotFound(ResourcesApi.Problem(404, "No such instrument", $"{resource} has reported no instrument {name} of {scope}."));
            }

            var info = series[0].Info;
            var instances = series.Select(s => s.Info.Source.Instance).Distinct().Count();
            return TypedResults.Ok(new InstrumentData(resource, scope, name, info.Description, info.Unit, Lower(info.Type),
                [.. series.Select(s => new SeriesView(
                    // Several replicas report the same attribute sets; the instance tells their lines apart.
                    new Dictionary<string, string>((instances > 1 ? [new StoredAttribute("service.instance.id", s.Info.Source.Instance)] : Enumerable.Empty<StoredAttribute>())
                        .Concat(s.Attributes).Select(a => KeyValuePair.Create(a.Key, a.Value))),
                    [.. s.Points.Select(p => new PointView(UnixNano.ToDateTimeOffset(p.TimeUnixNano), p.Value, p.P50, p.P90, p.P99, p.Count))]))]));
        });
    }

    private static int Page(int? limit) => Math.Clamp(limit ?? 200, 1, MaxPage);

    private static string Lower(InstrumentType type) => type.ToString().ToLowerInvariant();
}

internal sealed record LogPage(int Total, IReadOnlyList<LogView> Entries);

internal sealed record LogView(long Id, DateTimeOffset Timestamp, string Resource, string Instance, StoredLogLevel Level, string Category, string Message,
    string? TraceId, string? SpanId, IReadOnlyList<StoredAttribute> Attributes)
{
    public static LogView From(StoredLog log) => new(log.Id, UnixNano.ToDateTimeOffset(log.TimeUnixNano), log.Source.Resource, log.Source.Instance, log.Level,
        log.Category, log.Message, log.TraceId, log.SpanId, log.Attributes);
}

internal sealed record TracePage(int Total, IReadOnlyList<TraceSummary> Traces);

internal sealed record TraceSummary(string TraceId, string Name, DateTimeOffset Start, double DurationMs, int SpanCount, int ErrorCount, IReadOnlyList<string> Resources)
{
    public static TraceSummary From(IReadOnlyList<StoredSpan> spans)
    {
        var start = spans.Min(s => s.StartUnixNano);
        var end = spans.Max(s => s.EndUnixNano);
        return new TraceSummary(spans[0].TraceId, TraceView.NameOf(spans), UnixNano.ToDateTimeOffset(start), (end - start) / 1e6, spans.Count,
            spans.Count(s => s.Status == StoredSpanStatus.Error), [.. spans.OrderBy(s => s.StartUnixNano).Select(s => s.Source.Resource).Distinct()]);
    }
}

internal sealed record TraceView(string TraceId, string Name, DateTimeOffset Start, double DurationMs, IReadOnlyList<SpanView> Spans)
{
    public static TraceView From(IReadOnlyList<StoredSpan> spans)
    {
        var start = spans.Min(s => s.StartUnixNano);
        var end = spans.Max(s => s.EndUnixNano);
        return new TraceView(spans[0].TraceId, NameOf(spans), UnixNano.ToDateTimeOffset(start), (end - start) / 1e6,
            [.. spans.OrderBy(s => s.StartUnixNano).Select(s => new SpanView(
                s.SpanId, s.ParentSpanId, s.Name, s.Kind, s.Source.Resource, s.Source.Instance, s.Scope, UnixNano.ToDateTimeOffset(s.StartUnixNano),
                (s.StartUnixNano - start) / 1e6, (s.EndUnixNano - s.StartUnixNano) / 1e6, s.Status, s.StatusMessage, s.Attributes,
                [.. s.Events.Select(e => new EventView(e.Name, (e.TimeUnixNano - s.StartUnixNano) / 1e6, e.Attributes))], s.Links))]);
    }

    /// <summary>"resource: root span", as Aspire names a trace; the earliest span stands in while the root has not arrived.</summary>
    public static string NameOf(IReadOnlyList<StoredSpan> spans)
    {
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var root = spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).MinBy(s => s.StartUnixNano) ?? spans[0];
        return $"{root.Source.Resource}: {root.Name}";
    }
}

internal sealed record SpanView(string SpanId, string? ParentSpanId, string Name, StoredSpanKind Kind, string Resource, string Instance, string Scope,
    DateTimeOffset Start, double StartOffsetMs, double DurationMs, StoredSpanStatus Status, string? StatusMessage, IReadOnlyList<StoredAttribute> Attributes,
    IReadOnlyList<EventView> Events, IReadOnlyList<StoredSpanLink> Links);

/// <summary>An event, at its offset from the start of its span.</summary>
internal sealed record EventView(string Name, double OffsetMs, IReadOnlyList<StoredAttribute> Attributes);

internal sealed record InstrumentList(IReadOnlyList<InstrumentView> Instruments);

internal sealed record InstrumentView(string Resource, string Scope, string Name, string Description, string Unit, string Type);

internal sealed record InstrumentData(string Resource, string Scope, string Name, string Description, string Unit, string Type, IReadOnlyList<SeriesView> Series);

internal sealed record SeriesView(IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<PointView> Points);

internal sealed record PointView(DateTimeOffset Time, double? Value, double? P50, double? P90, double? P99, double? Count);
