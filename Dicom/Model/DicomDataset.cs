using System.Buffers.Binary;
using System.Collections;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Imaging.Dicom;

/// <summary>
/// A DICOM dataset: items in ascending tag order, with typed accessors. Values keep the bytes they were read with;
/// <see cref="IsBigEndian"/> says their byte order (only datasets read from explicit VR big endian have it).
/// </summary>
public sealed class DicomDataset : IEnumerable<DicomItem>
{
    private readonly List<DicomItem> _items = [];

    public DicomDataset()
    {
    }

    public DicomDataset(IEnumerable<DicomItem> items)
    {
        foreach (var item in items)
        {
            Add(item);
        }
    }

    public bool IsBigEndian { get; internal set; }

    /// <summary>For a sequence item: whether it was encoded with an undefined length (kept for rewriting).</summary>
    public bool UndefinedLength { get; set; } = true;

    public int Count => _items.Count;

    public DicomItem? this[DicomTag tag] => Find(tag) is var i and >= 0 ? _items[i] : null;

    public bool Contains(DicomTag tag) => Find(tag) >= 0;

    /// <summary>Adds the item, or replaces the one with the same tag.</summary>
    public DicomDataset Add(DicomItem item)
    {
        if (_items.Count == 0 || _items[^1].Tag < item.Tag)
        {
            _items.Add(item); // the common case when reading: tags arrive in order
            return this;
        }

        var index = Find(item.Tag);
        if (index >= 0)
        {
            _items[index] = item;
        }
        else
        {
            _items.Insert(~index, item);
        }

        return this;
    }

    public bool Remove(DicomTag tag)
    {
        var index = Find(tag);
        if (index < 0)
        {
            return false;
        }

        _items.RemoveAt(index);
        return true;
    }

    public DicomElement? GetElement(DicomTag tag) => this[tag] as DicomElement;

    public DicomSequence? GetSequence(DicomTag tag) => this[tag] as DicomSequence;

    /// <summary>The text encoding named by Specific Character Set (0008,0005): default repertoire, ISO_IR 100 or ISO_IR 192.</summary>
    public Encoding TextEncoding => CharacterSets.For(GetElement(DicomTag.SpecificCharacterSet));

    /// <summary>The whole string value without trailing padding (and, for most VRs, without leading spaces), or null when absent.</summary>
    public string? GetString(DicomTag tag)
    {
        var element = GetElement(tag);
        return element is null ? null : DecodeString(element, TextEncoding);
    }

    /// <summary>The values of a multi-valued string element, split on '\'.</summary>
    public string[] GetStrings(DicomTag tag)
    {
        var text = GetString(tag);
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var element = GetElement(tag)!;
        return element.VR.IsMultiValueString ? [.. text.Split('\\').Select(v => Trim(v, element.VR))] : [text];
    }

    public T GetValue<T>(DicomTag tag, int index = 0) where T : unmanaged
    {
        var values = GetValues<T>(tag);
        return index < values.Length
            ? values[index]
            : throw new InvalidOperationException($"{tag} has {values.Length} value(s); there is no value {index}.");
    }

    /// <summary>Binary numeric values (US, SS, UL, SL, FL, FD, SV, UV, OW, OF, ...) or IS/DS parsed as numbers.</summary>
    public T[] GetValues<T>(DicomTag tag) where T : unmanaged
    {
        var element = GetElement(tag) ?? throw new KeyNotFoundException($"The dataset has no {tag}.");
        if (element.VR == DicomVR.IS || element.VR == DicomVR.DS)
        {
            return [.. GetStrings(tag).Select(s => (T)Convert.ChangeType(double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture), typeof(T), CultureInfo.InvariantCulture))];
        }

        var size = Marshal.SizeOf<T>();
        var bytes = element.Bytes.Span;
        if (bytes.Length % size != 0)
        {
            throw new InvalidOperationException($"{tag} holds {bytes.Length} bytes, not a whole number of {typeof(T).Name} values.");
        }

        var values = MemoryMarshal.Cast<byte, T>(bytes).ToArray();
        if (IsBigEndian != !BitConverter.IsLittleEndian && size > 1)
        {
            var raw = MemoryMarshal.AsBytes(values.AsSpan());
            for (var i = 0; i < raw.Length; i += size)
            {
                raw.Slice(i, size).Reverse();
            }
        }

        return values;
    }

    /// <summary>
    /// Sets a string element (several values joined with '\'), padded to even length as its VR requires. Text is
    /// encoded in the Specific Character Set the dataset has now, so set (0008,0005) before non-ASCII values.
    /// </summary>
    public DicomDataset AddOrUpdate(DicomTag tag, DicomVR vr, params string[] values)
    {
        var text = string.Join('\\', values);
        var encoding = vr == DicomVR.UI || vr == DicomVR.AE || vr == DicomVR.CS || vr == DicomVR.DA || vr == DicomVR.TM
            || vr == DicomVR.DT || vr == DicomVR.AS || vr == DicomVR.IS || vr == DicomVR.DS ? Encoding.ASCII : TextEncoding;
        var bytes = encoding.GetBytes(text);
        if (bytes.Length % 2 == 1)
        {
            Array.Resize(ref bytes, bytes.Length + 1);
            bytes[^1] = vr.PaddingByte;
        }

        return Add(new DicomElement(tag, vr, bytes));
    }

    /// <summary>Sets a string element with the VR the dictionary gives the tag.</summary>
    public DicomDataset AddOrUpdate(DicomTag tag, params string[] values) => AddOrUpdate(tag, DicomDictionary.ImplicitVROf(tag), values);

    /// <summary>Sets a binary numeric element, in this dataset's byte order.</summary>
    public DicomDataset AddOrUpdate<T>(DicomTag tag, DicomVR vr, params T[] values) where T : unmanaged
    {
        var size = Marshal.SizeOf<T>();
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        if (IsBigEndian == BitConverter.IsLittleEndian && size > 1)
        {
            for (var i = 0; i < bytes.Length; i += size)
            {
                bytes.AsSpan(i, size).Reverse();
            }
        }

        if (bytes.Length % 2 == 1)
        {
            Array.Resize(ref bytes, bytes.Length + 1);
        }

        return Add(new DicomElement(tag, vr, bytes));
    }

    /// <summary>Sets an Attribute Tag (AT) element.</summary>
    public DicomDataset AddOrUpdate(DicomTag tag, params DicomTag[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            if (IsBigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i * 4), values[i].Group);
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i * 4 + 2), values[i].Element);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 4), values[i].Group);
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 4 + 2), values[i].Element);
            }
        }

        return Add(new DicomElement(tag, DicomVR.AT, bytes));
    }

    public IEnumerator<DicomItem> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal static string DecodeString(DicomElement element, Encoding encoding)
    {
        var text = encoding.GetString(element.Bytes.Span);
        return Trim(text, element.VR);
    }

    /// <summary>PS3.5 §6.2: trailing spaces (and NUL for UI) are padding; leading spaces are insignificant except in LT, ST, UT and UR.</summary>
    private static string Trim(string value, DicomVR vr)
    {
        var trimmed = value.TrimEnd(' ', '\0');
        return vr == DicomVR.LT || vr == DicomVR.ST || vr == DicomVR.UT || vr == DicomVR.UR ? trimmed : trimmed.TrimStart(' ');
    }

    private int Find(DicomTag tag)
    {
        int low = 0, high = _items.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            var comparison = _items[middle].Tag.Value.CompareTo(tag.Value);
            if (comparison == 0)
            {
                return middle;
            }

            if (comparison < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return ~low;
    }
}

/// <summary>The character repertoires the platform decodes; others fall back to Latin-1, which never fails.</summary>
internal static class CharacterSets
{
    public static Encoding For(DicomElement? specificCharacterSet)
    {
        if (specificCharacterSet is null)
        {
            return Encoding.Latin1;
        }

        var terms = Encoding.ASCII.GetString(specificCharacterSet.Bytes.Span).Split('\\').Select(t => t.Trim(' ', '\0')).ToArray();
        return terms.Contains("ISO_IR 192") ? new UTF8Encoding(false) : Encoding.Latin1;
    }
}
