using Imaging.Dicom;

namespace Imaging.DemoData.Generated;

/// <summary>
/// Small MR series of the phantom, as Part 10 files. UIDs are derived from <paramref name="name"/>, so the same series
/// is the same instances on every run (a second upload stores nothing new).
/// </summary>
public static class DemoSeries
{
    public static IReadOnlyList<(string FileName, byte[] Part10)> Mr(string name, string patientId, string? accessionNumber, int slices, int size, DateTimeOffset created)
    {
        var study = new PatientStudy(patientId, "Demo^Phantom", DicomUid.FromName($"demo:{name}:study"), created, accessionNumber,
            StudyDescription: $"Demo {name}");
        var series = new ImageSeries(DicomUid.FromName($"demo:{name}:series"), 1, "MR", $"Demo {name} phantom", DicomUid.FromName($"demo:{name}:frame"));
        var files = new List<(string, byte[])>(slices);
        for (var slice = 0; slice < slices; slice++)
        {
            var image = PhantomKSpace.Image(size, size, slice, slices);
            // 12-bit signal with a little texture, so the analysis has something to measure.
            var stored = image.Select((v, i) => (ushort)(Math.Max(v, 0) * 3000 + 100 + (i * 7919 + slice * 104729) % 37)).ToArray();
            var dataset = DicomImages.MRImage(study, series, slice + 1, ImagePlane.Axial(1.0, 1.0, slice * 1.0, size, size),
                ImagePixels.Gray16(stored, size, size), 1.0, 0, created, sopInstanceUid: DicomUid.FromName($"demo:{name}:slice:{slice}"));
            using var buffer = new MemoryStream();
            DicomFile.Create(dataset).Save(buffer);
            files.Add(($"{name}-{slice + 1:D3}.dcm", buffer.ToArray()));
        }

        return files;
    }

    public static string SeriesUid(string name) => DicomUid.FromName($"demo:{name}:series");
}
