using Imaging.ImagingImport.Sources;

namespace Imaging.ImagingImport.Import;

/// <summary>How one attempt at one study ended.</summary>
public enum AttemptOutcome
{
    Successful,

    /// <summary>The source does not have the study.</summary>
    NotAtSource,

    /// <summary>Worth another try later (XNAT or the source unreachable, XNAT not yet listing the session).</summary>
    Retry,

    /// <summary>Trying again will not help (XNAT rejected the zip, refused the credentials).</summary>
    Failed,
}

public sealed record AttemptResult(AttemptOutcome Outcome, string? Error = null);

/// <summary>
/// One attempt at importing one study: skip it when XNAT already lists its session (an import finished before a restart
/// counts once), retrieve it from the source into a zip, post it to XNAT's import service under the project, the
/// subject's pseudonym and the accession number, and confirm by finding the label in the project's experiments.
/// </summary>
public sealed partial class StudyImporter(DicomWebSource source, XnatClient xnat, ILogger<StudyImporter> logger)
{
    public async Task<AttemptResult> ImportAsync(StudyImport study, CancellationToken cancellationToken)
    {
        var result = await AttemptAsync(study, cancellationToken);
        ImportTelemetry.RecordAttempt(result.Outcome);
        return result;
    }

    private async Task<AttemptResult> AttemptAsync(StudyImport study, CancellationToken cancellationToken)
    {
        var label = SessionLabel(study);
        var phases = new PhaseTimes();
        try
        {
            if (await phases.TimeAsync("xnat_check", () => xnat.ExperimentLabelsAsync(study.ProjectId, cancellationToken)) is var listed && listed.Contains(label))
            {
                LogAlreadyThere(logger, study.StudyInstanceUid, study.ProjectId, label);
                return new AttemptResult(AttemptOutcome.Successful);
            }

            var zipPath = Path.Combine(Path.GetTempPath(), $"import-{Guid.NewGuid():N}.zip");
            try
            {
                RetrievedStudy? retrieved;
                await using (var zip = new FileStream(zipPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose))
                {
                    retrieved = await phases.TimeAsync("retrieve", () => source.RetrieveStudyAsync(study.StudyInstanceUid, zip, cancellationToken));
                    if (retrieved is null)
                    {
                        return new AttemptResult(AttemptOutcome.NotAtSource, $"Study {study.StudyInstanceUid} is not at the source PACS.");
                    }

                    // Retrieval and packing overlap (the zip is written as the parts arrive): packing's share is moved out of retrieve.
                    phases.Move("retrieve", "pack", retrieved.Packing);
                    var outcome = await phases.TimeAsync("upload", () => xnat.ImportAsync(study.ProjectId, study.SubjectLabel!, label, () =>
                    {
                        zip.Position = 0;
                        return new StreamContent(new NonClosingStream(zip)) { Headers = { ContentType = new("application/zip") } };
                    }, cancellationToken));
                    if (outcome.Result == XnatImportResult.Rejected)
                    {
                        return new AttemptResult(AttemptOutcome.Failed, $"XNAT rejected the study's zip: {outcome.Detail}");
                    }
                }

                if (!(await phases.TimeAsync("confirm", () => xnat.ExperimentLabelsAsync(study.ProjectId, cancellationToken))).Contains(label))
                {
                    return new AttemptResult(AttemptOutcome.Retry,
                        $"XNAT took the upload but does not list session {label} in project {study.ProjectId} (is the project set to auto-archive?).");
                }

                LogImported(logger, study.StudyInstanceUid, study.ProjectId, label, retrieved.Instances, retrieved.Bytes, phases.Total.TotalMilliseconds,
                    phases["xnat_check"], phases["retrieve"], phases["pack"], phases["upload"], phases["confirm"]);
                return new AttemptResult(AttemptOutcome.Successful);
            }
            finally
            {
                File.Delete(zipPath);
            }
        }
        catch (Exception error) when (error is XnatUnavailableException or SourceUnavailableException or IOException)
        {
            return new AttemptResult(AttemptOutcome.Retry, error.Message);
        }
        catch (XnatRefusedException refused) when (xnat.ActsForCaller)
        {
            return new AttemptResult(AttemptOutcome.Failed, $"XNAT refused the user who queued this study ({(int)refused.Status}): {refused.Message}");
        }
        catch (XnatRefusedException refused)
        {
            return new AttemptResult(AttemptOutcome.Failed, refused.Message);
        }
        finally
        {
            phases.Record();
        }
    }

    /// <summary>The session label is the accession number (XNAT labels allow letters, digits, '-' and '_'); without one, the study UID's digits.</summary>
    public static string SessionLabel(StudyImport study) =>
        study.AccessionNumber is { Length: > 0 } accession
            ? new string([.. accession.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')])
            : "STUDY_" + study.StudyInstanceUid.Replace('.', '_');

    /// <summary>Lets the zip be sent again on a retried request without the first send closing (and deleting) it.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override void Flush() { }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Study {StudyInstanceUid}: project {ProjectId} already lists session {Label}; counted as imported")]
    private static partial void LogAlreadyThere(ILogger logger, string studyInstanceUid, string projectId, string label);

    [LoggerMessage(Level = LogLevel.Information, Message = "Study {StudyInstanceUid}: imported into project {ProjectId} as session {Label} ({Instances} instance(s), {Bytes} bytes) "
        + "in {TotalMs:F1} ms: xnat_check {XnatCheckMs:F1}, retrieve {RetrieveMs:F1}, pack {PackMs:F1}, upload {UploadMs:F1}, confirm {ConfirmMs:F1}")]
    private static partial void LogImported(ILogger logger, string studyInstanceUid, string projectId, string label, int instances, long bytes, double totalMs,
        double xnatCheckMs, double retrieveMs, double packMs, double uploadMs, double confirmMs);

    /// <summary>The phases of one attempt: each a span, timed, and recorded in the phase histogram when the attempt ends.</summary>
    private sealed class PhaseTimes
    {
        private readonly Dictionary<string, TimeSpan> _times = [];

        public TimeSpan Total => _times.Values.Aggregate(TimeSpan.Zero, (sum, t) => sum + t);

        /// <summary>Milliseconds spent in the phase (0 when it did not run).</summary>
        public double this[string phase] => _times.GetValueOrDefault(phase).TotalMilliseconds;

        public async Task<T> TimeAsync<T>(string phase, Func<Task<T>> work)
        {
            using var span = ImportTelemetry.Source.StartActivity($"import {phase}");
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                return await work();
            }
            finally
            {
                _times[phase] = _times.GetValueOrDefault(phase) + System.Diagnostics.Stopwatch.GetElapsedTime(started);
            }
        }

        public void Move(string from, string to, TimeSpan share)
        {
            _times[from] -= share;
            _times[to] = _times.GetValueOrDefault(to) + share;
        }

        public void Record()
        {
            foreach (var (phase, time) in _times)
            {
                ImportTelemetry.RecordPhase(phase, time);
            }
        }
    }
}
