using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Imaging.Dicom;

namespace Dicom.Tests;

/// <summary>The images the worker writes: valid IODs for dicom3tools' dciodvfy, and the same pixels for pydicom.</summary>
public sealed class ImageTests(DicomCorpus corpus)
{
    private static readonly PatientStudy Study = new("PAT-7", "Phantom^Shepp^Logan", DicomUid.Generate(), new DateTimeOffset(2026, 11, 23, 9, 30, 0, TimeSpan.Zero),
        AccessionNumber: "ACC-77", StudyId: "S1", StudyDescription: "Reconstruction");

    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_MR_slice_is_a_valid_MR_Image_and_its_pixels_and_scale_read_back()
    {
        var pixels = Enumerable.Range(0, 64 * 48).Select(i => (ushort)(i * 13 % 65536)).ToArray();
        var series = new ImageSeries(DicomUid.Generate(), 5, "MR", "Recon");
        var dataset = DicomImages.MRImage(Study, series, 3, ImagePlane.Axial(0.9375, 5, -12.5, 48, 64),
            ImagePixels.Gray16(pixels, 48, 64), rescaleSlope: 0.00123456789, rescaleIntercept: 0, Now,
            new MRAcquisition(EchoTime: 4.2, RepetitionTime: 12, MagneticFieldStrength: 3));

        var path = Save(dataset, "mr.dcm");

        AssertValidIod(path, "MRImage");
        AssertPydicomPixels(path, [48, 64], "uint16", MemoryMarshalBytes(pixels));
        var read = DicomFile.Open(path).Dataset;
        Assert.Equal(0.00123456789, read.GetValue<double>(DicomTag.RescaleSlope), 12);
        Assert.Equal(DicomUid.FromName("frame-of-reference:" + series.SeriesInstanceUid), read.GetString(DicomTag.FrameOfReferenceUID));
        Assert.Equal([-29.53125, -22.03125, -12.5], read.GetValues<double>(DicomTag.ImagePositionPatient));
    }

    [Theory]
    [InlineData("gray8")]
    [InlineData("gray16")]
    [InlineData("rgb")]
    public void A_secondary_capture_is_valid_and_its_pixels_read_back(string kind)
    {
        var (pixels, shape, dtype) = kind switch
        {
            "gray8" => (ImagePixels.Gray8([.. Enumerable.Range(0, 30 * 20).Select(i => (byte)i)], 20, 30), new[] { 20, 30 }, "uint8"),
            "gray16" => (ImagePixels.Gray16([.. Enumerable.Range(0, 30 * 20).Select(i => (ushort)(i * 100))], 20, 30, bitsStored: 16), [20, 30], "uint16"),
            _ => (ImagePixels.Rgb8([.. Enumerable.Range(0, 30 * 20 * 3).Select(i => (byte)(i * 7))], 20, 30), new[] { 20, 30, 3 }, "uint8"),
        };
        var dataset = DicomImages.SecondaryCapture(Study, new ImageSeries(DicomUid.Generate(), 900, "OT", "Previews"), 1, pixels, Now);

        var path = Save(dataset, $"sc-{kind}.dcm");

        AssertValidIod(path, "SCImage");
        AssertPydicomPixels(path, shape, dtype, pixels.Bytes);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    public void A_multi_frame_secondary_capture_is_valid_and_holds_every_frame(int bits)
    {
        var frames = Enumerable.Range(0, 4).Select(f => bits == 8
            ? ImagePixels.Gray8([.. Enumerable.Range(0, 16 * 8).Select(i => (byte)(i + f * 10))], 16, 8)
            : ImagePixels.Gray16([.. Enumerable.Range(0, 16 * 8).Select(i => (ushort)(i * 3 + f * 1000))], 16, 8)).ToList();
        var dataset = DicomImages.MultiFrameSecondaryCapture(Study, new ImageSeries(DicomUid.Generate(), 901, "OT"), 1, frames, Now);

        var path = Save(dataset, $"mf-{bits}.dcm");

        AssertValidIod(path, bits == 8 ? "MultiframeGrayscaleByteSCImage" : "MultiframeGrayscaleWordSCImage");
        AssertPydicomPixels(path, [4, 16, 8], bits == 8 ? "uint8" : "uint16", [.. frames.SelectMany(f => f.Bytes)]);
    }

    [Fact]
    public void An_Enhanced_MR_image_is_valid_and_holds_every_frame_with_its_position()
    {
        var series = new ImageSeries(DicomUid.Generate(), 5, "MR", "Recon");
        var frames = Enumerable.Range(0, 3).Select(f => new MRFrame(ImagePlane.Axial(0.9375, 5, -10 + 5 * f, 12, 16),
            ImagePixels.Gray16([.. Enumerable.Range(0, 12 * 16).Select(i => (ushort)(i * 7 + f * 1000))], 12, 16))).ToList();
        var dataset = EnhancedMRImages.EnhancedMRImage(Study, series, 1, frames, rescaleSlope: 0.0025, rescaleIntercept: 0, Now);

        var path = Save(dataset, "enhanced-mr.dcm");

        AssertValidIod(path, "EnhancedMRImage");
        AssertPydicomPixels(path, [3, 12, 16], "uint16", [.. frames.SelectMany(f => f.Pixels.Bytes)]);
        var read = DicomFile.Open(path).Dataset;
        var perFrame = read.GetSequence(DicomTag.PerFrameFunctionalGroupsSequence)!.Items;
        Assert.Equal([-10.0, 0.0], [perFrame[0].GetSequence(DicomTag.PlanePositionSequence)!.Items[0].GetValues<double>(DicomTag.ImagePositionPatient)[2],
            perFrame[2].GetSequence(DicomTag.PlanePositionSequence)!.Items[0].GetValues<double>(DicomTag.ImagePositionPatient)[2]]);
        var shared = read.GetSequence(DicomTag.SharedFunctionalGroupsSequence)!.Items[0];
        Assert.Equal(0.0025, shared.GetSequence(DicomTag.PixelValueTransformationSequence)!.Items[0].GetValue<double>(DicomTag.RescaleSlope), 12);
    }

    [Fact]
    public void Pixels_that_do_not_fit_their_size_are_refused()
    {
        Assert.Throws<ArgumentException>(() => ImagePixels.Gray8(new byte[10], 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImagePixels.Gray8([], 0, 3));
        Assert.Throws<ArgumentException>(() => DicomImages.MultiFrameSecondaryCapture(Study, new ImageSeries("1.2.3", 1, "OT"), 1,
            [ImagePixels.Gray8(new byte[4], 2, 2), ImagePixels.Gray8(new byte[6], 2, 3)], Now));
    }

    [Fact]
    public void An_encapsulated_PDF_is_a_valid_IOD_whose_document_pydicom_gives_back_byte_for_byte()
    {
        // An odd length, so the padding shows; a minimal document of PDF's own syntax.
        var pdf = System.Text.Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
        Assert.True(pdf.Length % 2 == 1);
        var dataset = EncapsulatedDocuments.Pdf(Study, new ImageSeries(DicomUid.Generate(), 9103, "OT", "Report"), 1, "Quantitative chest CT report", pdf, Now);
        var path = Save(dataset, "encapsulated.dcm");

        AssertValidIod(path, "EncapsulatedPDF");
        var read = JsonNode.Parse(Tools.RunChecked(Tools.Python, "-c",
            "import sys, json, hashlib, pydicom; d = pydicom.dcmread(sys.argv[1]); n = d.EncapsulatedDocumentLength; "
            + "print(json.dumps({'mime': d.MIMETypeOfEncapsulatedDocument, 'modality': d.Modality, 'length': n, "
            + "'sha256': hashlib.sha256(d.EncapsulatedDocument[:n]).hexdigest()}))", path))!;
        Assert.Equal(("application/pdf", "DOC", pdf.Length), (read["mime"]!.GetValue<string>(), read["modality"]!.GetValue<string>(), read["length"]!.GetValue<int>()));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(pdf)), read["sha256"]!.GetValue<string>());
        Assert.Throws<ArgumentException>(() => EncapsulatedDocuments.Pdf(Study, new ImageSeries("1.2.3", 1, "OT"), 1, "x", [1, 2, 3, 4, 5, 6], Now));
    }

    private string Save(DicomDataset dataset, string name)
    {
        var path = Path.Combine(corpus.Directory, "image-" + name);
        DicomFile.Create(dataset).Save(path);
        return path;
    }

    /// <summary>dciodvfy recognises the IOD and reports no error (warnings about DICOMDIR fields are not errors).</summary>
    internal static void AssertValidIod(string path, string iod)
    {
        var (_, output, errors) = Tools.Run("dciodvfy", path);
        var report = output + errors;
        Assert.Contains(iod, report.Split('\n').Select(l => l.Trim()));
        var problems = report.Split('\n').Where(l => l.Contains("Error", StringComparison.Ordinal)).ToList();
        Assert.True(problems.Count == 0, report);
    }

    private static void AssertPydicomPixels(string path, int[] shape, string dtype, byte[] expected)
    {
        var decoded = JsonNode.Parse(Tools.RunChecked(Tools.Python, Tools.OracleScript("pydicom_pixels.py"), path))![path]!;
        Assert.Equal(shape, decoded["shape"]!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.Equal(dtype, decoded["dtype"]!.GetValue<string>());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(expected)), decoded["sha256"]!.GetValue<string>());
    }

    private static byte[] MemoryMarshalBytes(ushort[] values) =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
