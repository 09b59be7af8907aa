using Imaging.Dicom;

namespace Imaging.TestSupport;

/// <summary>Small DICOM files for tests that need any valid instance, not a particular one.</summary>
public static class SampleInstances
{
    /// <summary>A 64×64 16-bit secondary capture (pixel values 0 to 4095) as Part-10 bytes, new UIDs each time.</summary>
    public static byte[] SecondaryCapture(string patientName = "Sample^Test")
    {
        var dataset = DicomImages.SecondaryCapture(new PatientStudy("P-1", patientName, DicomUid.Generate(), DateTimeOffset.UnixEpoch),
            new ImageSeries(DicomUid.Generate(), 1, "OT"), 1, ImagePixels.Gray16([.. Enumerable.Range(0, 64 * 64).Select(i => (ushort)i)], 64, 64),
            DateTimeOffset.UnixEpoch, DicomUid.Generate());
        using var buffer = new MemoryStream();
        DicomFile.Create(dataset).Save(buffer);
        return buffer.ToArray();
    }
}
