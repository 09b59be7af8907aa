using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Imaging.WorkflowWorker.SeriesAnalysis.ChestCt;

namespace Imaging.WorkflowWorker.SeriesAnalysis;

/// <summary>
/// Analyses a series by its modality's use case: per-slice and series statistics (HU for CT), previews rendered with a
/// window as Secondary Capture (sc), key slices (sc_key_slices), a JSON report (json) and the triage status from the
/// configured quality rules. Other modalities, and pixel data the analysis cannot decode, are reported unsupported with
/// the reason. Passing faults are retried; the last attempt reports the analysis FAILED.
/// </summary>
public sealed partial class SeriesAnalysisPipeline(ResultsApiClient api, IOptions<SeriesAnalysisOptions> options, TimeProvider time,
    ILogger<SeriesAnalysisPipeline> logger)
{
    public const string CtUsecase = "ct_image_quality";
    public const string MrUsecase = "mr_image_quality";

    private static readonly JsonSerializerOptions ReportJson = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Runs one attempt at <paramref name="job"/>; on the last one (<paramref name="lastAttempt"/>) a passing fault is reported as the job's failure.</summary>
    public async Task RunAsync(SeriesAnalysisJob job, bool lastAttempt, CancellationToken cancellationToken)
    {
        var started = await api.StartAnalysisAsync(job.SourceId, job.SeriesInstanceUid, job.Attempt, cancellationToken);
        if (started is null)
        {
            LogSkipped(logger, job.SeriesInstanceUid, job.SourceId, job.Attempt);
            return;
        }

        try
        {
            var outcome = await AnalyseAsync(started, cancellationToken);
            var reported = outcome.Unsupported is { } reason
                ? await api.ReportAnalysisAsync(job.SourceId, job.SeriesInstanceUid, "unsupported", new { attempt = job.Attempt, reason }, cancellationToken)
                : await api.ReportAnalysisAsync(job.SourceId, job.SeriesInstanceUid, "finished",
                    new { attempt = job.Attempt, usecase = outcome.Usecase, triage_status = outcome.TriageStatus, files = outcome.Files }, cancellationToken);
            if (!reported)
            {
                LogSuperseded(logger, job.SeriesInstanceUid, job.Attempt);
            }
            else if (outcome.Unsupported is not null)
            {
                LogUnsupported(logger, job.SeriesInstanceUid, job.SourceId, outcome.Unsupported);
            }
            else
            {
                LogAnalysed(logger, job.SeriesInstanceUid, job.SourceId, outcome.Usecase!, outcome.Summary!, outcome.TriageStatus!);
            }
        }
        catch (Exception error) when (error is not OperationCanceledException && lastAttempt)
        {
            await api.ReportAnalysisAsync(job.SourceId, job.SeriesInstanceUid, "failed",
                new { attempt = job.Attempt, reason = $"The analysis failed after {options.Value.RetryIntervals.Length + 1} attempts: {error.Message}" }, cancellationToken);
            throw;
        }
    }

    /// <summary>Unsupported (with the reason), or the use case, triage, a line for the log and the result files by kind.</summary>
    private sealed record Outcome(string? Unsupported, string? Usecase = null, string? TriageStatus = null, string? Summary = null,
        Dictionary<string, List<string>>? Files = null);

    private async Task<Outcome> AnalyseAsync(AnalysisContext series, CancellationToken cancellationToken)
    {
        var modality = series.Modality?.Trim().ToUpperInvariant();
        if (modality is not ("CT" or "MR"))
        {
            return new Outcome($"Modality {(string.IsNullOrEmpty(modality) ? "(none)" : modality)} has no use case; CT and MR series are analysed.");
        }

        var ct = modality == "CT";
        var settings = options.Value;
        var sliceCount = series.Instances.Sum(i => Math.Max(1, i.NumberOfFrames));
        var previewIndices = SeriesSelection.Previews(sliceCount, settings.MaxPreviews);
        var wanted = previewIndices.ToHashSet();
        var kept = new Dictionary<int, Frame>();
        var slices = new List<SliceStatistics>(sliceCount);
        var sample = new List<float>();
        DicomDataset? first = null;
        // Progress: reading and measuring 0–70 %, rendering and storing the images 70–99 %, DONE 100 %.
        var progress = new JobProgress($"Series {series.SeriesInstanceUid}",
            (percent, stage, token) => api.ReportAnalysisProgressAsync(series.SourceId, series.SeriesInstanceUid, series.Attempt, percent, stage, token),
            settings.ProgressInterval, time, logger);
        await progress.StageAsync(0, $"reading {series.Instances.Count} instance(s)", cancellationToken);
        var read = 0;
        var chest = false;
        List<CtSlice> chestSlices = [];
        foreach (var instance in series.Instances)
        {
            var (dataset, frames, unsupported) = await ReadAsync(series, instance, cancellationToken);
            if (frames is null)
            {
                return new Outcome($"Instance {instance.SopInstanceUid}: {unsupported}");
            }

            if (first is null)
            {
                first = dataset;
                chest = ct && ChestCtSeries.IsChest(dataset);
            }

            if (chest)
            {
                // qCT measures the whole volume: every slice is kept.
                chestSlices.Add(new CtSlice(dataset, frames));
                await progress.StepAsync(0, 50, ++read, series.Instances.Count, $"read instance {read} of {series.Instances.Count}", cancellationToken);
                continue;
            }

            for (var f = 0; f < frames.Frames.Count; f++)
            {
                var index = slices.Count;
                var values = frames.Frames[f];
                slices.Add(SliceStatistics.Compute(index, instance.SopInstanceUid, f + 1, instance.InstanceNumber, values, frames.Rows, frames.Columns, ct));
                var stride = Math.Max(1, values.Length / 4096);
                for (var i = 0; i < values.Length; i += stride)
                {
                    if (float.IsFinite(values[i]))
                    {
                        sample.Add(values[i]);
                    }
                }

                if (wanted.Contains(index))
                {
                    kept[index] = new Frame(values, frames.Rows, frames.Columns, frames.Monochrome1);
                }
            }

            await progress.StepAsync(0, 70, ++read, series.Instances.Count, $"read instance {read} of {series.Instances.Count}", cancellationToken);
        }

        if (first is null)
        {
            return new Outcome("The series has no instances.");
        }

        if (chest)
        {
            return await AnalyseChestAsync(series, chestSlices, progress, cancellationToken);
        }

        var window = WindowOf(first) ?? (ct ? PreviewWindow.CtSoftTissue : PreviewWindow.FromPercentiles(sample));
        var figures = SeriesFigures.From(slices);
        var keySlices = SeriesSelection.KeySlices(slices);
        var rules = SeriesSelection.Evaluate(settings.Rules, ct, figures);
        var triage = rules.All(r => r.Passed) ? "Routine" : "Critical";
        var now = time.GetUtcNow();
        var study = StudyOf(first, now);
        var scName = $"analysis:{series.SourceId}:{series.SeriesInstanceUid}:attempt:{series.Attempt}";

        var images = previewIndices.Count + keySlices.Count;
        await progress.StageAsync(70, $"{slices.Count} slice(s) measured; rendering {images} image(s)", cancellationToken);
        var previews = new List<ReportFile>();
        var previewSeries = new ImageSeries(DicomUid.FromName(scName + ":previews"), 9001, "OT", $"Previews W{window.Width:0.#} L{window.Center:0.#}");
        foreach (var index in previewIndices)
        {
            var name = $"sc-{previews.Count + 1:D4}.dcm";
            await UploadScAsync(series, name, study, previewSeries, previews.Count + 1, window, kept[index], now, $"{scName}:sc:{index}", cancellationToken);
            previews.Add(new ReportFile(name, index));
            await progress.StepAsync(70, 99, previews.Count, images, $"stored image {previews.Count} of {images}", cancellationToken);
        }

        var keys = new List<ReportKeySlice>();
        var keySeries = new ImageSeries(DicomUid.FromName(scName + ":key-slices"), 9002, "OT", "Key slices");
        foreach (var key in keySlices)
        {
            var frame = kept.TryGetValue(key.Index, out var held) ? held : await RereadAsync(series, slices[key.Index], cancellationToken);
            var name = $"key-{keys.Count + 1:D2}.dcm";
            await UploadScAsync(series, name, study, keySeries, keys.Count + 1, window, frame, now, $"{scName}:key:{key.Index}", cancellationToken);
            keys.Add(new ReportKeySlice(name, key.Index, key.Reasons));
            await progress.StepAsync(70, 99, previews.Count + keys.Count, images, $"stored image {previews.Count + keys.Count} of {images}", cancellationToken);
        }

        var report = new SeriesReport(ct ? CtUsecase : MrUsecase, series.SeriesInstanceUid, series.StudyInstanceUid, modality, series.AccessionNumber,
            series.Attempt, now, figures, slices, window, previews, keys, rules, triage);
        await api.PutAnalysisFileAsync(series.SourceId, series.SeriesInstanceUid, "report.json", JsonSerializer.SerializeToUtf8Bytes(report, ReportJson),
            "application/json", cancellationToken);
        return new Outcome(null, report.Usecase, triage, $"{figures.Slices} slice(s), mean SNR {figures.MeanSnr:F1}", new Dictionary<string, List<string>>
        {
            ["sc"] = [.. previews.Select(p => p.File)],
            ["sc_key_slices"] = [.. keys.Select(k => k.File)],
            ["json"] = ["report.json"],
        });
    }

    /// <summary>
    /// qCT (a chest CT): the slices put together as one volume, the lungs segmented and measured, nodule candidates
    /// found; the images with the findings burned in and the JSON report stored. A series that cannot be measured
    /// (docs/series-analysis.md, "qCT") is unsupported with the reason.
    /// </summary>
    private async Task<Outcome> AnalyseChestAsync(AnalysisContext series, List<CtSlice> slices, JobProgress progress, CancellationToken cancellationToken)
    {
        var (stack, refused) = ChestCtSeries.Build(slices);
        if (stack is null)
        {
            return new Outcome(refused);
        }

        await progress.StageAsync(50, $"{stack.Volume.Slices} slice(s) read; segmenting the lungs", cancellationToken);
        var (lungs, noLungs) = LungSegmentation.Segment(stack.Volume);
        if (lungs is null)
        {
            return new Outcome(noLungs);
        }

        var findings = ChestCtAnalysis.Measure(stack.Volume, lungs);
        await progress.StageAsync(80, $"lungs {findings.Lungs.VolumeMl:0} mL, {findings.Nodules.Count} nodule candidate(s); storing the results", cancellationToken);
        var now = time.GetUtcNow();
        var study = StudyOf(stack.Slices[0], now);
        // Every UID the analysis makes derives from this name, so a retry of the same attempt writes the same objects.
        var uidName = $"analysis:{series.SourceId}:{series.SeriesInstanceUid}:attempt:{series.Attempt}";
        var (report, overview, keys) = QctResults.Make(stack, lungs, findings, study, series.SeriesInstanceUid, series.Attempt, uidName, now);
        foreach (var image in overview.Concat(keys))
        {
            await api.PutAnalysisFileAsync(series.SourceId, series.SeriesInstanceUid, image.Name, image.Dicom, "application/dicom", cancellationToken);
        }

        await api.PutAnalysisFileAsync(series.SourceId, series.SeriesInstanceUid, "report.json", JsonSerializer.SerializeToUtf8Bytes(report, ReportJson),
            "application/json", cancellationToken);
        // MSH-10 is at most 20 characters: the attempt's own id, the same on a retry.
        var controlId = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"{series.SourceId}:{series.SeriesInstanceUid}:{series.Attempt}")))[..20];
        var patient = QctPatient.From(stack.Slices[0]);
        var hl7 = QctHl7.Write(report, patient, controlId, now);
        await api.PutAnalysisFileAsync(series.SourceId, series.SeriesInstanceUid, "report.hl7", System.Text.Encoding.UTF8.GetBytes(hl7), "application/octet-stream",
            cancellationToken);
        var pdf = QctPdf.Write(report, patient, [.. keys.Select((k, i) => new QctPdf.KeyImage(k.Pixels, k.Rows, k.Columns, $"Nodule {i + 1} ({k.Name})"))]);
        await api.PutAnalysisFileAsync(series.SourceId, series.SeriesInstanceUid, "report.pdf", pdf, "application/pdf", cancellationToken);
        // The same report as a DICOM Encapsulated PDF in the analysed study, for a PACS that keeps only DICOM.
        var encapsulated = EncapsulatedDocuments.Pdf(study, new ImageSeries(DicomUid.FromName(uidName + ":qct-pdf"), 9103, "DOC", "qCT report"), 1,
            "Quantitative chest CT report", pdf, now, DicomUid.FromName(uidName + ":qct-pdf:1"));
        using (var buffer = new MemoryStream())
        {
            DicomFile.Create(encapsulated).Save(buffer);
            await api.PutAnalysisFileAsync(series.SourceId, series.SeriesInstanceUid, "report-pdf.dcm", buffer.ToArray(), "application/dicom", cancellationToken);
        }

        // Segmentation, measurement report and presentation states: the findings as objects a viewer shows over the CT.
        var objects = QctDicomObjects.Make(stack, lungs, findings, report, study, uidName, now);
        foreach (var item in objects)
        {
            await api.PutAnalysisFileAsync(series.SourceId, series.SeriesInstanceUid, item.Name, item.Dicom, "application/dicom", cancellationToken);
        }

        var files = new Dictionary<string, List<string>>
        {
            ["sc"] = [.. overview.Select(o => o.Name)],
            ["pdf"] = ["report.pdf"],
            ["sc_key_slices"] = [.. keys.Select(k => k.Name)],
            ["json"] = ["report.json"],
            ["hl7"] = ["report.hl7"],
            ["encapsulated_pdf"] = ["report-pdf.dcm"],
        };
        foreach (var kind in objects.GroupBy(o => o.Kind))
        {
            files[kind.Key] = [.. kind.Select(o => o.Name)];
        }

        return new Outcome(null, report.Usecase, report.TriageStatus,
            $"{report.Slices} slice(s), lungs {report.Lungs.VolumeMl:0} mL, %LAA-950 {report.Lungs.Laa950Percent:0.0}, {report.Nodules.Count} nodule candidate(s)",
            files);
    }

    /// <summary>One slice kept for rendering, with its own size (a series may mix sizes).</summary>
    private sealed record Frame(float[] Values, int Rows, int Columns, bool Monochrome1);

    /// <summary>The dataset and its frames; frames null, with the reason, when the pixel data cannot be analysed.</summary>
    private async Task<(DicomDataset Dataset, ModalityFrames? Frames, string? Unsupported)> ReadAsync(AnalysisContext series, AnalysisInstance instance,
        CancellationToken cancellationToken)
    {
        var bytes = await api.GetAnalysisInstanceAsync(series.SourceId, series.SeriesInstanceUid, instance.SopInstanceUid, cancellationToken);
        var dataset = DicomReader.Read(new MemoryStream(bytes, writable: false)).Dataset;
        try
        {
            return (dataset, ModalityFrames.Read(dataset), null);
        }
        catch (NotSupportedException unsupported)
        {
            return (dataset, null, unsupported.Message);
        }
    }

    private async Task<Frame> RereadAsync(AnalysisContext series, SliceStatistics slice, CancellationToken cancellationToken)
    {
        var instance = series.Instances.First(i => i.SopInstanceUid == slice.SopInstanceUid);
        var (_, frames, _) = await ReadAsync(series, instance, cancellationToken);
        return frames is null
            ? throw new InvalidOperationException($"Instance {slice.SopInstanceUid} could not be read again.")
            : new Frame(frames.Frames[slice.Frame - 1], frames.Rows, frames.Columns, frames.Monochrome1);
    }

    private async Task UploadScAsync(AnalysisContext series, string name, PatientStudy study, ImageSeries scSeries, int number, PreviewWindow window, Frame frame,
        DateTimeOffset now, string uidName, CancellationToken cancellationToken)
    {
        var pixels = ImagePixels.Gray8(window.Render(frame.Values, frame.Monochrome1), frame.Rows, frame.Columns);
        var dataset = DicomImages.SecondaryCapture(study, scSeries, number, pixels, now, DicomUid.FromName(uidName));
        using var buffer = new MemoryStream();
        DicomFile.Create(dataset).Save(buffer);
        await api.PutAnalysisFileAsync(series.SourceId, series.SeriesInstanceUid, name, buffer.ToArray(), "application/dicom", cancellationToken);
    }

    /// <summary>The series' own first Window Center/Width, when it has a usable one.</summary>
    private static PreviewWindow? WindowOf(DicomDataset dataset)
    {
        static double? First(DicomDataset d, DicomTag tag) =>
            d.GetString(tag) is { Length: > 0 } text && double.TryParse(text.Split('\\')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
        return First(dataset, DicomTag.WindowCenter) is { } center && First(dataset, DicomTag.WindowWidth) is { } width && width >= 1
            ? new PreviewWindow(center, width, "window center/width of the series")
            : null;
    }

    /// <summary>The previews belong to the analysed study: same patient, study UID, accession number.</summary>
    private static PatientStudy StudyOf(DicomDataset dataset, DateTimeOffset fallback)
    {
        var date = dataset.GetString(DicomTag.StudyDate)?.Trim();
        var studyTime = DateTimeOffset.TryParseExact(date, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : fallback;
        return new PatientStudy(dataset.GetString(DicomTag.PatientID) ?? "", dataset.GetString(DicomTag.PatientName) ?? "",
            dataset.GetString(DicomTag.StudyInstanceUID) ?? "", studyTime, dataset.GetString(DicomTag.AccessionNumber), dataset.GetString(DicomTag.StudyID),
            dataset.GetString(DicomTag.StudyDescription));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Series {SeriesInstanceUid} of source {SourceId}: analysis attempt {Attempt} is stale or already done; skipped")]
    private static partial void LogSkipped(ILogger logger, string seriesInstanceUid, Guid sourceId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Series {SeriesInstanceUid}: analysis attempt {Attempt} was superseded; its outcome was not kept")]
    private static partial void LogSuperseded(ILogger logger, string seriesInstanceUid, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Series {SeriesInstanceUid} of source {SourceId}: no use case: {Reason}")]
    private static partial void LogUnsupported(ILogger logger, string seriesInstanceUid, Guid sourceId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Series {SeriesInstanceUid} of source {SourceId}: {Usecase} on {Summary}, triage {TriageStatus}")]
    private static partial void LogAnalysed(ILogger logger, string seriesInstanceUid, Guid sourceId, string usecase, string summary, string triageStatus);
}
