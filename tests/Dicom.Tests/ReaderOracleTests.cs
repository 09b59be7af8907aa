using Imaging.Dicom;

namespace Dicom.Tests;

/// <summary>Every element pydicom reads, we read with the same tag, VR and value bytes, in every transfer syntax.</summary>
public sealed class ReaderOracleTests(DicomCorpus corpus)
{
    public static TheoryData<string> CorpusFiles => new(DicomCorpus.Files);

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Every_element_pydicom_reads_is_read_the_same(string name)
    {
        var file = DicomFile.Open(corpus.PathOf(name));
        var theirs = corpus.Pydicom(name);
        var implicitVR = !file.TransferSyntax.IsExplicitVR;

        var differences = DatasetDump.Differences(DatasetDump.Of(file.Dataset), theirs["dataset"]!.AsArray(), implicitVR);
        if (file.IsPart10)
        {
            differences.AddRange(DatasetDump.Differences(DatasetDump.Of(file.FileMetaInformation), theirs["meta"]!.AsArray(), false, "meta"));
        }

        Assert.True(differences.Count == 0, string.Join(Environment.NewLine, differences));
        Assert.Equal(theirs["little_endian"]!.GetValue<bool>(), !file.Dataset.IsBigEndian);
    }

    [Fact]
    public void Typed_values_decode_as_pydicom_wrote_them()
    {
        var dataset = DicomFile.Open(corpus.PathOf("pydicom-big-endian.dcm")).Dataset;

        Assert.Equal("Müller^Anna^^Dr", dataset.GetString(DicomTag.PatientName));
        Assert.Equal(["-12.5", "0.0", "3.75"], dataset.GetStrings(DicomTag.ImagePositionPatient));
        Assert.Equal([-12.5, 0.0, 3.75], dataset.GetValues<double>(DicomTag.ImagePositionPatient));
        Assert.Equal([1, 65535], dataset.GetValues<ushort>(new DicomTag(0x0029, 0x1011)));
        Assert.Equal([-2, 300], dataset.GetValues<short>(new DicomTag(0x0029, 0x1012)));
        Assert.Equal([1.5f, -0.25f], dataset.GetValues<float>(new DicomTag(0x0029, 0x1013)));
        Assert.Equal(Math.PI, dataset.GetValue<double>(new DicomTag(0x0029, 0x1014)));
        Assert.Equal(4000000000u, dataset.GetValue<uint>(new DicomTag(0x0029, 0x1016)));
        Assert.Equal(-100000, dataset.GetValue<int>(new DicomTag(0x0029, 0x1017)));
        Assert.Equal("Brain", dataset.GetSequence(DicomTag.ReferencedImageSequence)!.Items[0]
            .GetSequence(DicomTag.PurposeOfReferenceCodeSequence)!.Items[0].GetString(DicomTag.CodeMeaning));
    }

    [Fact]
    public void Big_endian_values_decode_to_the_numbers_of_their_little_endian_source()
    {
        // DCMTK's dcmconv +tb swaps every numeric value; reading it back must give the source's numbers.
        var little = DicomFile.Open(corpus.PathOf("img2dcm-sc.dcm")).Dataset;
        var big = DicomFile.Open(corpus.PathOf("dcmconv-big-endian.dcm")).Dataset;

        Assert.True(big.IsBigEndian);
        foreach (var tag in new[] { DicomTag.Rows, DicomTag.Columns, DicomTag.BitsAllocated, DicomTag.SamplesPerPixel })
        {
            Assert.Equal(little.GetValues<ushort>(tag), big.GetValues<ushort>(tag));
        }

        // In big endian DCMTK stores the 8-bit pixels as OW, swapped within each 16-bit word: the words must agree.
        Assert.Equal(DicomVR.OW, big.GetElement(DicomTag.PixelData)!.VR);
        Assert.Equal(
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(little.GetElement(DicomTag.PixelData)!.Bytes.Span).ToArray(),
            big.GetValues<ushort>(DicomTag.PixelData));
    }

    [Theory]
    [InlineData("pydicom-multiframe.dcm")]
    [InlineData("img2dcm-sc.dcm")]
    public void Reading_can_stop_before_the_pixel_data(string name)
    {
        var file = DicomFile.Open(corpus.PathOf(name), new DicomReaderOptions { StopAt = DicomTag.PixelData });

        Assert.False(file.Dataset.Contains(DicomTag.PixelData));
        Assert.NotNull(file.Dataset.GetString(DicomTag.SOPInstanceUID));
        Assert.Equal(corpus.Pydicom(name)["dataset"]!.AsArray().Count - 1, file.Dataset.Count(i => i.Tag < DicomTag.PixelData));
    }

    [Fact]
    public void Large_values_stay_on_disk_until_used_and_read_back_exactly()
    {
        var path = corpus.PathOf("pydicom-multiframe.dcm");

        var file = DicomFile.Open(path, new DicomReaderOptions { DeferValuesLargerThan = 256 });
        var pixels = file.Dataset.GetElement(DicomTag.PixelData)!;

        Assert.True(pixels.IsDeferred);
        Assert.Equal(5 * 16 * 8 * 2, pixels.Length);
        using var stream = pixels.OpenRead();
        var streamed = new byte[pixels.Length];
        stream.ReadExactly(streamed);
        Assert.Equal(DicomFile.Open(path).Dataset.GetElement(DicomTag.PixelData)!.Bytes.ToArray(), streamed);
    }
}
