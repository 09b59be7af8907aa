using Imaging.ImagingImport.Sources;
using Imaging.ImagingImport.Tracking;
using Imaging.ImagingImport.Xnat;

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
        var label = SessionLabel(study);
        try
        {
            if ((await xnat.ExperimentLabelsAsync(study.ProjectId, cancellationToken)).Contains(label))
            {
                LogAlreadyThere(logger, study.StudyInstanceUid, study.ProjectId, label);
                return new AttemptResult(AttemptOutcome.Successful);
            }

            var zipPath = Path.Combine(Path.GetTempPath(), $"import-{Guid.NewGuid():N}.zip");
            try
            {
                int? instances;
                await using (var zip = new FileStream(zipPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose))
                {
                    instances = await source.RetrieveStudyAsync(study.StudyInstanceUid, zip, cancellationToken);
                    if (instances is null)
                    {
                        return new AttemptResult(AttemptOutcome.NotAtSource, $"Study {study.StudyInstanceUid} is not at the source PACS.");
                    }

                    var outcome = await xnat.ImportAsync(study.ProjectId, study.SubjectLabel!, label, () =>
                    {
                        zip.Position = 0;
                        return new StreamContent(new NonClosingStream(zip)) { Headers = { ContentType = new("application/zip") } };
                    }, cancellationToken);
                    if (outcome.Result == XnatImportResult.Rejected)
                    {
                        return new AttemptResult(AttemptOutcome.Failed, $"XNAT rejected the study's zip: {outcome.Detail}");
                    }
                }

                if (!(await xnat.ExperimentLabelsAsync(study.ProjectId, cancellationToken)).Contains(label))
                {
                    return new AttemptResult(AttemptOutcome.Retry,
                        $"XNAT took the upload but does not list session {label} in project {study.ProjectId} (is the project set to auto-archive?).");
                }

                LogImported(logger, study.StudyInstanceUid, study.ProjectId, label, instances.Value);
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
        catch (XnatRefusedException refused)
        {
            return new AttemptResult(AttemptOutcome.Failed, refused.Message);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Study {StudyInstanceUid}: imported into project {ProjectId} as session {Label} ({Instances} instance(s))")]
    private static partial void LogImported(ILogger logger, string studyInstanceUid, string projectId, string label, int instances);
}
