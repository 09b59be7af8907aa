namespace Imaging.ResultsApi.Analysis;

/// <summary>
/// The DICOM objects an analysis made (images, SEG, SR, presentation states, encapsulated PDF) join the analysed study
/// in the index, so DICOMweb answers them beside the source series and a viewer shows them over it. Each series they
/// bring is recorded as analysed with no use case (it holds results), so the stable-series scan never queues it and
/// /results says what it is.
/// </summary>
public static class DerivedSeries
{
    /// <summary>The result kinds that are DICOM objects.</summary>
    public static readonly IReadOnlySet<string> DicomKinds = new HashSet<string>(["sc", "sr", "sc_key_slices", "seg", "gsps", "pr", "encapsulated_pdf"]);

    /// <summary>
    /// Indexes the analysis' DICOM files in its study. Every file is checked before any is kept: one that is not DICOM,
    /// or of another study, or in the analysed series itself, refuses them all with the reason.
    /// </summary>
    public static async Task<(int Joined, string? Refusal)> JoinStudyAsync(SeriesAnalysis analysis, IReadOnlyDictionary<string, List<string>> files,
        ResultsDbContext db, ResultStorage storage, DicomInstanceStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var names = files.Where(kind => DicomKinds.Contains(kind.Key)).SelectMany(kind => kind.Value).Distinct().ToList();
        var study = await db.Instances.AsNoTracking().Where(i => i.SourceId == analysis.SourceId && i.SeriesInstanceUid == analysis.SeriesInstanceUid)
            .Select(i => i.StudyInstanceUid).FirstOrDefaultAsync(cancellationToken);
        if (names.Count == 0 || study is null)
        {
            return (0, null);
        }

        var staged = new List<StagedInstance>();
        var committed = 0;
        try
        {
            foreach (var name in names)
            {
                await using var content = File.OpenRead(storage.AnalysisPath(analysis.SourceId, analysis.SeriesInstanceUid, name));
                var (instance, failure) = await store.StageAsync(analysis.SourceId, content, study, cancellationToken);
                if (instance is null)
                {
                    return (0, $"'{name}' cannot join study {study}: {failure!.Message}");
                }

                staged.Add(instance);
                if (instance.Instance.SeriesInstanceUid == analysis.SeriesInstanceUid)
                {
                    return (0, $"'{name}' is in the analysed series {analysis.SeriesInstanceUid}; results go in series of their own.");
                }
            }

            // Recorded before the instances are indexed, so no scan in between finds their series unanalysed.
            var now = time.GetUtcNow();
            foreach (var series in staged.Select(s => s.Instance.SeriesInstanceUid).Distinct())
            {
                if (!await db.SeriesAnalyses.AnyAsync(a => a.SourceId == analysis.SourceId && a.SeriesInstanceUid == series, cancellationToken))
                {
                    db.SeriesAnalyses.Add(new SeriesAnalysis
                    {
                        SourceId = analysis.SourceId,
                        SeriesInstanceUid = series,
                        Status = AnalysisStatus.UNSUPPORTED,
                        Reason = $"Series {series} holds results of the analysis of series {analysis.SeriesInstanceUid}; results are not analysed themselves.",
                        QueuedBy = "derived",
                        DatetimeQueued = now,
                        DatetimeUpdated = now,
                    });
                }
            }

            await db.SaveChangesAsync(cancellationToken);
            while (committed < staged.Count)
            {
                var (_, failure) = await store.CommitAsync(db, staged[committed++], cancellationToken);
                if (failure is not null)
                {
                    return (committed - 1, $"An object of the results cannot join study {study}: {failure.Message}");
                }
            }

            return (committed, null);
        }
        finally
        {
            staged.Skip(committed).ToList().ForEach(DicomInstanceStore.Discard);
        }
    }
}
