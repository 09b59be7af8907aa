namespace Imaging.WorkflowWorker.Reconstruction;

/// <summary>Who the series belongs to: the exam is the study, the task the series, the record names the instances.</summary>
public sealed record SeriesContext(int RecordId, Guid ExamId, string? PatientId, string ExamName, DateTimeOffset ExamCreated, Guid TaskId, string TaskName);

/// <summary>One encoded instance, ready to upload.</summary>
public sealed record SeriesInstance(string FileName, string SopInstanceUid, byte[] Part10);

/// <summary>
/// Writes reconstructed slices as an MR Image Storage series: 16-bit stored values with one rescale slope for the
/// whole series (so a window fits every slice), axial geometry, and UIDs derived from the exam, task and record,
/// so reconstructing the same job again writes the very same instances.
/// </summary>
public static class MrSeriesWriter
{
    public const double DefaultPixelSpacing = 1.0;

    /// <summary>Stored value = round(value / slope); slope = max / 65535, so the brightest pixel is 65535.</summary>
    public static (ushort[][] Stored, double Slope) ScaleTo16Bit(IReadOnlyList<MagnitudeImage> images)
    {
        var max = images.Max(i => i.Pixels.Max());
        var slope = max > 0 ? max / ushort.MaxValue : 1.0;
        var stored = images.Select(image => image.Pixels.Select(v => (ushort)Math.Clamp(Math.Round(v / slope), 0, ushort.MaxValue)).ToArray()).ToArray();
        return (stored, slope);
    }

    public static IReadOnlyList<SeriesInstance> Write(IReadOnlyList<MagnitudeImage> images, SeriesContext context, DateTimeOffset contentTime,
        double pixelSpacing = DefaultPixelSpacing)
    {
        var (stored, slope) = ScaleTo16Bit(images);
        var study = new PatientStudy(
            PatientId: context.PatientId ?? $"EXAM-{context.ExamId:N}",
            PatientName: "",
            StudyInstanceUid: DicomUid.FromName($"exam:{context.ExamId}"),
            StudyDateTime: context.ExamCreated,
            StudyDescription: context.ExamName.Clip(64));
        var series = new ImageSeries(
            SeriesInstanceUid: DicomUid.FromName($"task:{context.TaskId}:record:{context.RecordId}"),
            SeriesNumber: 1,
            Modality: "MR",
            SeriesDescription: $"{context.TaskName} (record {context.RecordId})".Clip(64),
            FrameOfReferenceUid: DicomUid.FromName($"task:{context.TaskId}:frame-of-reference"));
        var instances = new List<SeriesInstance>(images.Count);
        for (var slice = 0; slice < images.Count; slice++)
        {
            var image = images[slice];
            var sopInstanceUid = DicomUid.FromName($"record:{context.RecordId}:slice:{slice}");
            var plane = ImagePlane.Axial(pixelSpacing, pixelSpacing, slice * pixelSpacing, image.Rows, image.Columns);
            var dataset = DicomImages.MRImage(study, series, slice + 1, plane, ImagePixels.Gray16(stored[slice], image.Rows, image.Columns),
                slope, 0, contentTime, sopInstanceUid: sopInstanceUid);
            using var buffer = new MemoryStream();
            DicomFile.Create(dataset).Save(buffer);
            var name = images.Count == 1 ? $"record-{context.RecordId}.dcm" : $"record-{context.RecordId}-{slice + 1:D3}.dcm";
            instances.Add(new SeriesInstance(name, sopInstanceUid, buffer.ToArray()));
        }

        return instances;
    }
}
