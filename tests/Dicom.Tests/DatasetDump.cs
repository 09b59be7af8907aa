using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Imaging.Dicom;

namespace Dicom.Tests;

/// <summary>Our reading of a dataset in the shape pydicom_dump.py prints pydicom's, and the comparison of the two.</summary>
internal static class DatasetDump
{
    public static JsonArray Of(DicomDataset dataset)
    {
        var entries = new JsonArray();
        foreach (var item in dataset)
        {
            var entry = new JsonObject { ["tag"] = item.Tag.ToJsonKey(), ["vr"] = item.VR.Code };
            switch (item)
            {
                case DicomSequence sequence:
                    entry["items"] = new JsonArray([.. sequence.Items.Select(i => (JsonNode)Of(i))]);
                    break;
                case DicomFragments fragments:
                    entry["hex"] = Convert.ToHexStringLower(EncapsulatedBytes(fragments));
                    break;
                case DicomElement element:
                    entry["hex"] = Convert.ToHexStringLower(element.Bytes.Span);
                    break;
            }

            entries.Add(entry);
        }

        return entries;
    }

    /// <summary>Encapsulated pixel data as its items are encoded: each an (FFFE,E000) tag, a length and the bytes.</summary>
    public static byte[] EncapsulatedBytes(DicomFragments fragments)
    {
        using var bytes = new MemoryStream();
        Span<byte> header = stackalloc byte[8];
        foreach (var part in new[] { fragments.OffsetTable }.Concat(fragments.Fragments))
        {
            BinaryPrimitives.WriteUInt16LittleEndian(header, 0xFFFE);
            BinaryPrimitives.WriteUInt16LittleEndian(header[2..], 0xE000);
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)part.Length);
            bytes.Write(header);
            bytes.Write(part.Span);
        }

        return bytes.ToArray();
    }

    /// <summary>Compares element by element; returns the differences (empty when the two readings agree).</summary>
    public static List<string> Differences(JsonArray ours, JsonArray theirs, bool implicitVR, string path = "")
    {
        var differences = new List<string>();
        var ourTags = ours.Select(e => e!["tag"]!.GetValue<string>()).ToList();
        var theirTags = theirs.Select(e => e!["tag"]!.GetValue<string>()).ToList();
        if (!ourTags.SequenceEqual(theirTags))
        {
            differences.Add($"{path}: tags differ: ours [{string.Join(",", ourTags)}] pydicom [{string.Join(",", theirTags)}]");
            return differences;
        }

        for (var i = 0; i < ours.Count; i++)
        {
            var (o, t) = (ours[i]!.AsObject(), theirs[i]!.AsObject());
            var where = $"{path}/{o["tag"]}";
            var (ourVR, theirVR) = (o["vr"]!.GetValue<string>(), t["vr"]!.GetValue<string>());
            if (ourVR != theirVR && !(implicitVR && AmbiguousAlike(o["tag"]!.GetValue<string>(), theirVR)))
            {
                differences.Add($"{where}: VR ours {ourVR}, pydicom {theirVR}");
            }

            if (t["items"] is JsonArray theirItems)
            {
                var ourItems = o["items"] as JsonArray;
                if (ourItems is null || ourItems.Count != theirItems.Count)
                {
                    differences.Add($"{where}: {ourItems?.Count ?? -1} items, pydicom {theirItems.Count}");
                    continue;
                }

                for (var j = 0; j < ourItems.Count; j++)
                {
                    differences.AddRange(Differences(ourItems[j]!.AsArray(), theirItems[j]!.AsArray(), implicitVR, $"{where}[{j}]"));
                }
            }
            else if (o["hex"]?.GetValue<string>() != t["hex"]?.GetValue<string>())
            {
                differences.Add($"{where}: value ours {Short(o["hex"])}, pydicom {Short(t["hex"])}");
            }
        }

        return differences;
    }

    /// <summary>Where the dictionary allows several VRs (US or SS, OB or OW), an implicit-VR reader may pick either.</summary>
    private static bool AmbiguousAlike(string tag, string theirVR)
    {
        var parsed = DicomTag.Parse(tag);
        return DicomDictionary.TryGet(parsed, out var entry) && entry.VRs is "xs" or "ox" or "px" or "lt" or "up"
            && theirVR is "US" or "SS" or "OB" or "OW" or "UL";
    }

    private static string Short(JsonNode? hex)
    {
        var text = hex?.GetValue<string>() ?? "null";
        return text.Length > 80 ? text[..80] + $"…({text.Length / 2} bytes)" : text;
    }
}
