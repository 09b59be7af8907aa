using System.Collections.Frozen;
using System.Globalization;

namespace Imaging.Dicom;

/// <summary>One entry of the data dictionary: a tag (or a tag pattern such as 60xx,0010), VR, keyword, VM.</summary>
public sealed record DicomDictionaryEntry(DicomTag Tag, string VRs, string Keyword, string VM, bool IsRetired)
{
    /// <summary>The VR to read an implicit-VR value with, where the dictionary allows several (US or SS → US, OB or OW → OW).</summary>
    public DicomVR ImplicitVR => VRs switch
    {
        "xs" => DicomVR.US,
        "ox" or "px" or "lt" => DicomVR.OW,
        "up" => DicomVR.UL,
        "na" => DicomVR.UN,
        _ => DicomVR.Parse(VRs),
    };
}

/// <summary>
/// The standard's data dictionary, loaded from dictionary.tsv (generated from DCMTK's dicom.dic by
/// Dictionary/generate.py: the tables as data, not typed by hand).
/// </summary>
public static class DicomDictionary
{
    private static readonly Lazy<(FrozenDictionary<uint, DicomDictionaryEntry> ByTag, FrozenDictionary<string, DicomDictionaryEntry> ByKeyword, List<(uint Mask, uint Value, DicomDictionaryEntry Entry)> Ranges)> Tables = new(Load);

    public static int Count => Tables.Value.ByTag.Count + Tables.Value.Ranges.Count;

    public static bool TryGet(DicomTag tag, out DicomDictionaryEntry entry)
    {
        if (Tables.Value.ByTag.TryGetValue(tag.Value, out entry!))
        {
            return true;
        }

        foreach (var (mask, value, range) in Tables.Value.Ranges)
        {
            if ((tag.Value & mask) == value)
            {
                entry = range;
                return true;
            }
        }

        return false;
    }

    public static bool TryGetByKeyword(string keyword, out DicomDictionaryEntry entry) =>
        Tables.Value.ByKeyword.TryGetValue(keyword, out entry!);

    /// <summary>The VR an implicit-VR element is read with: dictionary, then the standard's rules for group lengths and private creators, else UN.</summary>
    public static DicomVR ImplicitVROf(DicomTag tag)
    {
        if (tag.IsGroupLength)
        {
            return DicomVR.UL;
        }

        if (tag.IsPrivateCreator)
        {
            return DicomVR.LO;
        }

        return !tag.IsPrivate && TryGet(tag, out var entry) ? entry.ImplicitVR : DicomVR.UN;
    }

    private static (FrozenDictionary<uint, DicomDictionaryEntry>, FrozenDictionary<string, DicomDictionaryEntry>, List<(uint, uint, DicomDictionaryEntry)>) Load()
    {
        using var stream = typeof(DicomDictionary).Assembly.GetManifestResourceStream("Imaging.Dicom.dictionary.tsv")
            ?? throw new InvalidOperationException("The DICOM dictionary resource is missing from the assembly.");
        using var reader = new StreamReader(stream);
        var byTag = new Dictionary<uint, DicomDictionaryEntry>();
        var byKeyword = new Dictionary<string, DicomDictionaryEntry>(StringComparer.Ordinal);
        var ranges = new List<(uint, uint, DicomDictionaryEntry)>();
        while (reader.ReadLine() is { } line)
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            var f = line.Split('\t');
            var (groupMask, groupValue) = Pattern(f[0]);
            var (elementMask, elementValue) = Pattern(f[1]);
            var tag = new DicomTag((ushort)groupValue, (ushort)elementValue);
            var entry = new DicomDictionaryEntry(tag, f[2], f[3], f[4], f[5] == "R");
            if (groupMask == 0xFFFF && elementMask == 0xFFFF)
            {
                byTag.TryAdd(tag.Value, entry);
                byKeyword.TryAdd(entry.Keyword, entry);
            }
            else
            {
                ranges.Add(((groupMask << 16) | elementMask, (groupValue << 16) | elementValue, entry));
            }
        }

        return (byTag.ToFrozenDictionary(), byKeyword.ToFrozenDictionary(StringComparer.Ordinal), ranges);
    }

    /// <summary>"0010" → exact; "6000-60FF" (even groups of a repeating range) and "xx" digits → a mask.</summary>
    private static (uint Mask, uint Value) Pattern(string text)
    {
        if (text.Contains('-', StringComparison.Ordinal))
        {
            var low = uint.Parse(text[..4], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            var high = uint.Parse(text[5..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            // Repeating groups (50xx, 60xx, 7Fxx) vary in their low byte: mask it out, keep the even bit.
            var varying = low ^ high;
            var mask = 0xFFFFu & ~varying | 1u;
            return (mask, low & mask);
        }

        uint maskValue = 0, value = 0;
        foreach (var c in text)
        {
            maskValue <<= 4;
            value <<= 4;
            if (c != 'x')
            {
                maskValue |= 0xF;
                value |= uint.Parse(c.ToString(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            }
        }

        return (maskValue, value);
    }
}
