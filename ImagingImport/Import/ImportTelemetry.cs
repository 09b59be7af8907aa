using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Imaging.ImagingImport.Import;

/// <summary>
/// Spans per import phase and the time each phase takes, so a slow cohort shows where its time goes: checking XNAT for the
/// session, retrieving from the source, packing the zip, uploading to XNAT, confirming the session is listed.
/// </summary>
public static class ImportTelemetry
{
    public const string Name = "Imaging.ImagingImport";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Histogram<double> PhaseDuration = Meter.CreateHistogram<double>("imagingimport.study.phase.duration", "s",
        "Time one phase of one study's import took (phase: xnat_check, retrieve, pack, upload, confirm).");

    private static readonly Counter<long> Attempts = Meter.CreateCounter<long>("imagingimport.study.attempts", description:
        "Import attempts by outcome (successful, queue_failed, retry, failed).");

    public static void RecordPhase(string phase, TimeSpan duration) => PhaseDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("phase", phase));

    public static void RecordAttempt(AttemptOutcome outcome) => Attempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString().ToLowerInvariant()));
}
