using System.Globalization;

namespace Imaging.Dicom;

/// <summary>A data element tag (group, element). Named tags are generated from the standard's dictionary.</summary>
public readonly partial record struct DicomTag(ushort Group, ushort Element) : IComparable<DicomTag>
{
    public uint Value => ((uint)Group << 16) | Element;

    public bool IsPrivate => (Group & 1) == 1;

    /// <summary>(gggg,0010)–(gggg,00FF) in an odd group: reserves a block of private elements.</summary>
    public bool IsPrivateCreator => IsPrivate && Element is >= 0x0010 and <= 0x00FF;

    public bool IsGroupLength => Element == 0x0000;

    public int CompareTo(DicomTag other) => Value.CompareTo(other.Value);

    public static bool operator <(DicomTag left, DicomTag right) => left.Value < right.Value;

    public static bool operator >(DicomTag left, DicomTag right) => left.Value > right.Value;

    public static bool operator <=(DicomTag left, DicomTag right) => left.Value <= right.Value;

    public static bool operator >=(DicomTag left, DicomTag right) => left.Value >= right.Value;

    public static DicomTag FromValue(uint value) => new((ushort)(value >> 16), (ushort)value);

    /// <summary>"(0010,0010)", "00100010", "0010,0010" or a keyword such as "PatientName".</summary>
    public static DicomTag Parse(string text)
    {
        if (TryParse(text, out var tag))
        {
            return tag;
        }

        throw new FormatException($"'{text}' is neither a DICOM tag (gggg,eeee) nor a keyword of the dictionary.");
    }

    public static bool TryParse(string text, out DicomTag tag)
    {
        var hex = text.Trim().Trim('(', ')').Replace(",", "", StringComparison.Ordinal);
        if (hex.Length == 8 && uint.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            tag = FromValue(value);
            return true;
        }

        if (DicomDictionary.TryGetByKeyword(text.Trim(), out var entry))
        {
            tag = entry.Tag;
            return true;
        }

        tag = default;
        return false;
    }

    /// <summary>"(gggg,eeee)" in upper-case hex, as DCMTK and the standard print tags.</summary>
    public override string ToString() => $"({Group:X4},{Element:X4})";

    /// <summary>"ggggeeee", as DICOM JSON keys a tag.</summary>
    public string ToJsonKey() => $"{Group:X4}{Element:X4}";
}
