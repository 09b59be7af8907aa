using System.Text.Json.Nodes;
using Imaging.Dicom;

namespace Dicom.Tests;

/// <summary>What we write, DCMTK reads without a warning and pydicom reads with the same elements; rewriting is byte-exact.</summary>
public sealed class WriterOracleTests(DicomCorpus corpus)
{
    public static TheoryData<string> Part10Files => new(DicomCorpus.Files.Where(f => f.EndsWith(".dcm", StringComparison.Ordinal)));

    public static TheoryData<string> LittleEndianFiles => new(DicomCorpus.Files.Where(f => f.EndsWith(".dcm", StringComparison.Ordinal)
        && !f.Contains("big-endian", StringComparison.Ordinal) && !f.Contains("deflated", StringComparison.Ordinal)));

    [Theory]
    [MemberData(nameof(LittleEndianFiles))]
    public void Reading_and_rewriting_a_little_endian_file_gives_the_same_bytes(string name)
    {
        var original = File.ReadAllBytes(corpus.PathOf(name));

        var rewritten = new MemoryStream();
        DicomReader.Read(new MemoryStream(original)).Save(rewritten);

        Assert.Equal(original, rewritten.ToArray());
    }

    [Theory]
    [MemberData(nameof(Part10Files))]
    public void DCMTK_reads_what_we_write_without_a_warning_and_pydicom_sees_the_elements_DCMTK_would_have_written(string name)
    {
        var source = corpus.PathOf(name);
        var ours = Path.Combine(corpus.Directory, $"ours-{name}");
        var dcmtk = Path.Combine(corpus.Directory, $"dcmtk-{name}");
        var encapsulated = DicomFile.Open(source).TransferSyntax.IsEncapsulated;

        DicomFile.Open(source).Save(ours);
        // The reference: DCMTK's own conversion of the same file to explicit VR little endian.
        Tools.RunChecked("dcmconv", encapsulated ? "+t=" : "+te", source, dcmtk);

        var (code, _, warnings) = Tools.Run("dcmdump", "-q", ours);
        Assert.Equal(0, code);
        Assert.Equal("", warnings);
        var dumps = PydicomDatasets(ours, dcmtk);
        var differences = DatasetDump.Differences(dumps[0], dumps[1], implicitVR: false);
        Assert.True(differences.Count == 0, string.Join(Environment.NewLine, differences));
    }

    [Theory]
    [InlineData("pydicom-explicit-le-undefined-sq.dcm")]
    [InlineData("dcmodify-private-and-sequence.dcm")]
    [InlineData("pydicom-multiframe.dcm")]
    public void Implicit_VR_output_is_read_by_DCMTK_and_pydicom_with_the_same_values(string name)
    {
        var ours = Path.Combine(corpus.Directory, $"implicit-{name}");
        DicomFile.Open(corpus.PathOf(name)).Save(ours, TransferSyntax.ImplicitVRLittleEndian);

        var (code, _, warnings) = Tools.Run("dcmdump", "-q", ours);
        Assert.Equal(0, code);
        Assert.Equal("", warnings);
        Assert.Equal(TransferSyntax.ImplicitVRLittleEndian, DicomFile.Open(ours).TransferSyntax);
        var dumps = PydicomDatasets(ours, corpus.PathOf(name));
        Assert.Empty(DatasetDump.Differences(StripVR(dumps[0]), StripVR(dumps[1]), implicitVR: false));
    }

    [Theory]
    [InlineData("pydicom-raw-implicit.raw", "1.2.840.10008.1.2")]
    [InlineData("pydicom-raw-explicit.raw", "1.2.840.10008.1.2.1")]
    public void A_raw_dataset_becomes_Part_10_with_meta_from_the_dataset_and_not_one_byte_of_it_changed(string name, string syntax)
    {
        var raw = File.ReadAllBytes(corpus.PathOf(name));
        var converted = Path.Combine(corpus.Directory, $"converted-{name}.dcm");

        using (var output = File.Create(converted))
        {
            Part10.ConvertRawToPart10(new MemoryStream(raw), output);
        }

        var bytes = File.ReadAllBytes(converted);
        Assert.True(Part10.HasPart10Header(bytes));
        Assert.Equal(raw, bytes[^raw.Length..]);
        var file = DicomFile.Open(converted);
        Assert.Equal(syntax, file.FileMetaInformation.GetString(DicomTag.TransferSyntaxUID));
        Assert.Equal(file.Dataset.GetString(DicomTag.SOPClassUID), file.FileMetaInformation.GetString(DicomTag.MediaStorageSOPClassUID));
        Assert.Equal(file.Dataset.GetString(DicomTag.SOPInstanceUID), file.FileMetaInformation.GetString(DicomTag.MediaStorageSOPInstanceUID));
        Assert.Equal(DicomFile.ImplementationClassUid, file.FileMetaInformation.GetString(DicomTag.ImplementationClassUID));
        Assert.Equal(DicomFile.ImplementationVersionName, file.FileMetaInformation.GetString(DicomTag.ImplementationVersionName));
        var (code, _, warnings) = Tools.Run("dcmdump", "-q", converted);
        Assert.Equal((0, ""), (code, warnings));
        var dumps = PydicomDatasets(converted, corpus.PathOf(name));
        Assert.Empty(DatasetDump.Differences(dumps[0], dumps[1], implicitVR: syntax == "1.2.840.10008.1.2"));
    }

    [Fact]
    public void Converting_something_that_is_already_Part_10_or_not_DICOM_is_refused()
    {
        var part10 = File.ReadAllBytes(corpus.PathOf("img2dcm-sc.dcm"));
        Assert.Throws<DicomFormatException>(() => Part10.ConvertRawToPart10(new MemoryStream(part10), Stream.Null));

        var text = "this is a text file, not a dataset, and it goes on for a while"u8.ToArray();
        Assert.Throws<DicomFormatException>(() => Part10.ConvertRawToPart10(new MemoryStream(text), Stream.Null));
    }

    [Fact]
    public void A_new_file_gets_its_meta_from_the_dataset_and_odd_values_are_padded_as_their_VR_says()
    {
        var dataset = new DicomDataset()
            .AddOrUpdate(DicomTag.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.7")
            .AddOrUpdate(DicomTag.SOPInstanceUID, DicomVR.UI, "1.2.3.4.567")
            .AddOrUpdate(DicomTag.PatientName, DicomVR.PN, "Doe^Jon")
            .Add(new DicomElement(new DicomTag(0x0009, 0x1001), DicomVR.OB, new byte[] { 1, 2, 3 }));
        var path = Path.Combine(corpus.Directory, "new-file.dcm");

        DicomFile.Create(dataset).Save(path);

        var dump = Tools.RunChecked("dcmdump", "-q", "+L", path);
        Assert.Contains("(0002,0002) UI =SecondaryCaptureImageStorage", dump, StringComparison.Ordinal);
        Assert.Contains("(0002,0003) UI [1.2.3.4.567]", dump, StringComparison.Ordinal);
        Assert.Contains("(0002,0010) UI =LittleEndianExplicit", dump, StringComparison.Ordinal);
        var read = DicomFile.Open(path).Dataset;
        Assert.Equal("1.2.3.4.567\0"u8.ToArray(), read.GetElement(DicomTag.SOPInstanceUID)!.Bytes.ToArray());
        Assert.Equal("Doe^Jon "u8.ToArray(), read.GetElement(DicomTag.PatientName)!.Bytes.ToArray());
        Assert.Equal(new byte[] { 1, 2, 3, 0 }, read.GetElement(new DicomTag(0x0009, 0x1001))!.Bytes.ToArray());
    }

    private static JsonArray[] PydicomDatasets(params string[] paths)
    {
        var dump = JsonNode.Parse(Tools.RunChecked(Tools.Python, [Tools.OracleScript("pydicom_dump.py"), .. paths]))!.AsObject();
        return [.. paths.Select(p => dump[p]!["dataset"]!.AsArray())];
    }

    private static JsonArray StripVR(JsonArray entries)
    {
        foreach (var entry in entries)
        {
            entry!["vr"] = "-";
            if (entry["items"] is JsonArray items)
            {
                foreach (var item in items)
                {
                    StripVR(item!.AsArray());
                }
            }
        }

        return entries;
    }
}
