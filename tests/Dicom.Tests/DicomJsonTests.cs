using System.Text.Json.Nodes;
using Imaging.Dicom;

namespace Dicom.Tests;

/// <summary>DICOM JSON (PS3.18 Annex F) against pydicom's to_json_dict on the same files.</summary>
public sealed class DicomJsonTests(DicomCorpus corpus)
{
    [Theory]
    [InlineData("pydicom-explicit-le-undefined-sq.dcm")]
    [InlineData("pydicom-big-endian.dcm")]
    [InlineData("dcmodify-private-and-sequence.dcm")]
    [InlineData("pydicom-nested.dcm")]
    public void Our_DICOM_JSON_matches_pydicoms(string name)
    {
        var path = corpus.PathOf(name);
        var theirs = JsonNode.Parse(Tools.RunChecked(Tools.Python, Tools.OracleScript("pydicom_json.py"), path))![path]!.AsObject();

        var ours = JsonNode.Parse(DicomJson.Serialize(DicomFile.Open(path).Dataset))!.AsObject();

        if (name.Contains("big-endian", StringComparison.Ordinal))
        {
            // pydicom gives binary values in the file's byte order; PS3.18 gives them in the transfer syntax of the
            // response (little endian by default), which is what we do. Those values are compared by the reader tests.
            ours.Remove("7FE00010");
            theirs.Remove("7FE00010");
        }

        var differences = new List<string>();
        Compare(ours, theirs, "", differences);
        Assert.True(differences.Count == 0, string.Join(Environment.NewLine, differences));
    }

    [Fact]
    public void Values_take_the_JSON_form_their_VR_requires()
    {
        var dataset = new DicomDataset()
            .AddOrUpdate(DicomTag.SpecificCharacterSet, DicomVR.CS, "ISO_IR 192") // first: names are encoded in it
            .AddOrUpdate(DicomTag.PatientName, DicomVR.PN, "Yamada^Tarou=山田^太郎")
            .AddOrUpdate(DicomTag.InstanceNumber, DicomVR.IS, "7")
            .AddOrUpdate(DicomTag.ImagePositionPatient, DicomVR.DS, "-12.5", "0", "3.75")
            .AddOrUpdate(DicomTag.ModalitiesInStudy, DicomVR.CS, "CT", "", "MR")
            .AddOrUpdate<ushort>(DicomTag.Rows, DicomVR.US, 512)
            .AddOrUpdate(DicomTag.FrameIncrementPointer, DicomTag.FrameTime)
            .Add(new DicomElement(DicomTag.PixelData, DicomVR.OW, new byte[] { 1, 0, 2, 0 }))
            .Add(new DicomSequence(DicomTag.ReferencedImageSequence, [new DicomDataset().AddOrUpdate(DicomTag.ReferencedSOPInstanceUID, DicomVR.UI, "1.2.3")]));

        var json = DicomJson.Serialize(dataset, new DicomJsonOptions { BulkDataUri = item => item.Tag == DicomTag.PixelData ? "https://pacs.example/bulk/1" : null });

        Assert.Equal(
            """{"00080005":{"vr":"CS","Value":["ISO_IR 192"]},"00080061":{"vr":"CS","Value":["CT",null,"MR"]},"00081140":{"vr":"SQ","Value":[{"00081155":{"vr":"UI","Value":["1.2.3"]}}]},"00100010":{"vr":"PN","Value":[{"Alphabetic":"Yamada^Tarou","Ideographic":"\u5C71\u7530^\u592A\u90CE"}]},"00200013":{"vr":"IS","Value":[7]},"00200032":{"vr":"DS","Value":[-12.5,0,3.75]},"00280009":{"vr":"AT","Value":["00181063"]},"00280010":{"vr":"US","Value":[512]},"7FE00010":{"vr":"OW","BulkDataURI":"https://pacs.example/bulk/1"}}""",
            json);
    }

    private static void Compare(JsonObject ours, JsonObject theirs, string path, List<string> differences)
    {
        var keys = ours.Select(p => p.Key).Union(theirs.Select(p => p.Key)).Order(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var (o, t) = (ours[key], theirs[key]);
            if (o is null || t is null)
            {
                differences.Add($"{path}/{key}: only in {(o is null ? "pydicom" : "ours")}");
                continue;
            }

            if (o["vr"]!.GetValue<string>() == "SQ")
            {
                var (oi, ti) = (o["Value"]?.AsArray() ?? [], t["Value"]?.AsArray() ?? []);
                if (oi.Count != ti.Count)
                {
                    differences.Add($"{path}/{key}: {oi.Count} items, pydicom {ti.Count}");
                    continue;
                }

                for (var i = 0; i < oi.Count; i++)
                {
                    Compare(oi[i]!.AsObject(), ti[i]!.AsObject(), $"{path}/{key}[{i}]", differences);
                }

                continue;
            }

            if (!JsonNode.DeepEquals(Normalise(o), Normalise(t)))
            {
                differences.Add($"{path}/{key}: ours {o.ToJsonString()}, pydicom {t.ToJsonString()}");
            }
        }
    }

    /// <summary>Numbers compared as numbers (1.0 and 1 are the same JSON number).</summary>
    private static JsonNode Normalise(JsonNode node)
    {
        var copy = node.DeepClone();
        if (copy["Value"] is JsonArray values)
        {
            for (var i = 0; i < values.Count; i++)
            {
                if (values[i] is JsonValue value && value.TryGetValue<double>(out var number))
                {
                    values[i] = JsonValue.Create(Math.Round(number, 6));
                }
                else if (values[i] is JsonValue text && text.TryGetValue<string>(out var str) && node["vr"]!.GetValue<string>() is not ("LT" or "ST" or "UT" or "UR"))
                {
                    // Leading spaces are padding in these VRs (PS3.5 §6.2); pydicom keeps them, we drop them.
                    values[i] = JsonValue.Create(str.TrimStart(' '));
                }
            }
        }

        return copy;
    }
}
