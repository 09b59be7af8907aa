using System.Text.Json.Nodes;
using Imaging.Dicom;

namespace Dicom.Tests;

public sealed class DictionaryAndUidTests
{
    [Fact]
    public void The_dictionary_agrees_with_pydicoms_on_every_tag_and_VR_they_share()
    {
        var theirs = JsonNode.Parse(Tools.RunChecked(Tools.Python, Tools.OracleScript("pydicom_dictionary.py")))!.AsObject();
        var compared = 0;
        var differences = new List<string>();
        foreach (var (keyword, value) in theirs)
        {
            if (!DicomDictionary.TryGetByKeyword(keyword, out var ours))
            {
                continue;
            }

            compared++;
            var (tag, vr) = (value![0]!.GetValue<string>(), value[1]!.GetValue<string>());
            var ourVR = ours.VRs switch
            {
                "xs" => "US or SS",
                "ox" or "px" => "OB or OW",
                "lt" => "US or OW",
                "up" => "UL",
                "na" => "NONE",
                _ => ours.VRs,
            };
            if (ours.Tag.ToJsonKey() != tag || (ourVR != vr && !vr.Contains(ourVR, StringComparison.Ordinal)))
            {
                differences.Add($"{keyword}: ours {ours.Tag} {ours.VRs}, pydicom {tag} {vr}");
            }
        }

        Assert.True(compared > 4000, $"only {compared} keywords in common");
        Assert.True(differences.Count == 0, string.Join(Environment.NewLine, differences));
    }

    [Theory]
    [InlineData("PatientName", 0x0010, 0x0010, "PN")]
    [InlineData("PixelData", 0x7FE0, 0x0010, "px")]
    [InlineData("ReferencedImageSequence", 0x0008, 0x1140, "SQ")]
    public void Keywords_and_tags_look_each_other_up(string keyword, int group, int element, string vr)
    {
        Assert.True(DicomDictionary.TryGetByKeyword(keyword, out var entry));
        Assert.Equal(new DicomTag((ushort)group, (ushort)element), entry.Tag);
        Assert.Equal(vr, entry.VRs);
        Assert.Equal(entry.Tag, DicomTag.Parse(keyword));
        Assert.Equal(entry.Tag, DicomTag.Parse($"({group:X4},{element:X4})"));
    }

    [Fact]
    public void Repeating_groups_and_the_standards_implicit_rules_give_VRs()
    {
        Assert.True(DicomDictionary.TryGet(new DicomTag(0x6002, 0x0010), out var overlayRows));
        Assert.Equal("OverlayRows", overlayRows.Keyword);
        Assert.False(DicomDictionary.TryGet(new DicomTag(0x6001, 0x0010), out _)); // odd groups are private, not overlays
        Assert.Equal(DicomVR.UL, DicomDictionary.ImplicitVROf(new DicomTag(0x0018, 0x0000)));
        Assert.Equal(DicomVR.LO, DicomDictionary.ImplicitVROf(new DicomTag(0x0029, 0x0010)));
        Assert.Equal(DicomVR.UN, DicomDictionary.ImplicitVROf(new DicomTag(0x0029, 0x1010)));
    }

    [Fact]
    public void Generated_UIDs_are_valid_unique_and_under_the_root_when_one_is_given()
    {
        var plain = Enumerable.Range(0, 1000).Select(_ => DicomUid.Generate()).ToList();
        var rooted = Enumerable.Range(0, 1000).Select(_ => DicomUid.Generate("1.2.826.0.1.3680043.10.1234")).ToList();

        Assert.All(plain, uid => Assert.True(DicomUid.IsValid(uid), uid));
        Assert.All(plain, uid => Assert.StartsWith("2.25.", uid, StringComparison.Ordinal));
        Assert.All(rooted, uid => Assert.True(DicomUid.IsValid(uid) && uid.StartsWith("1.2.826.0.1.3680043.10.1234.", StringComparison.Ordinal), uid));
        Assert.Equal(2000, plain.Concat(rooted).Distinct().Count());
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2", null)]
    [InlineData("0.0", null)]
    [InlineData("", "a UID cannot be empty")]
    [InlineData("1.2..3", "a UID cannot have an empty component (two dots, or a dot at either end)")]
    [InlineData("1.2.3.", "a UID cannot have an empty component (two dots, or a dot at either end)")]
    [InlineData("1.02.3", "the component '02' has a leading zero")]
    [InlineData("1.2.a", "a UID holds only digits and dots")]
    [InlineData("1.2.3 ", "a UID holds only digits and dots")]
    [InlineData("1.2.3456789012345678901234567890123456789012345678901234567890123", "a UID has at most 64 characters, this one has 65")]
    public void UIDs_are_validated_with_a_reason(string uid, string? reason) => Assert.Equal(reason, DicomUid.Validate(uid));
}
