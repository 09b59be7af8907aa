using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Imaging.Dicom;

public sealed record DicomJsonOptions
{
    public static readonly DicomJsonOptions Default = new();

    /// <summary>
    /// Called for binary elements (OB, OD, OF, OL, OV, OW, UN) and encapsulated pixel data: a URI to give as
    /// "BulkDataURI", or null to put the value inline as base64 "InlineBinary". Encapsulated pixel data without a
    /// URI is left without a value.
    /// </summary>
    public Func<DicomItem, string?>? BulkDataUri { get; init; }
}

/// <summary>The DICOM JSON model (PS3.18 Annex F): what QIDO-RS and WADO-RS metadata answer.</summary>
public static class DicomJson
{
    public static string Serialize(DicomDataset dataset, DicomJsonOptions? options = null)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, dataset, options ?? DicomJsonOptions.Default);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    public static void Write(Utf8JsonWriter writer, DicomDataset dataset, DicomJsonOptions? options = null)
    {
        options ??= DicomJsonOptions.Default;
        var encoding = dataset.TextEncoding;
        writer.WriteStartObject();
        foreach (var item in dataset)
        {
            if (item.Tag.IsGroupLength)
            {
                continue; // group lengths describe an encoding, not the data (PS3.18 F.2.2)
            }

            writer.WritePropertyName(item.Tag.ToJsonKey());
            writer.WriteStartObject();
            writer.WriteString("vr", item.VR.Code);
            switch (item)
            {
                case DicomSequence sequence:
                    if (sequence.Items.Count > 0)
                    {
                        writer.WriteStartArray("Value");
                        foreach (var child in sequence.Items)
                        {
                            Write(writer, child, options);
                        }

                        writer.WriteEndArray();
                    }

                    break;
                case DicomFragments fragments:
                    if (options.BulkDataUri?.Invoke(fragments) is { } fragmentsUri)
                    {
                        writer.WriteString("BulkDataURI", fragmentsUri);
                    }

                    break;
                case DicomElement element:
                    WriteElementValue(writer, element, encoding, dataset.IsBigEndian, options);
                    break;
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteElementValue(Utf8JsonWriter writer, DicomElement element, Encoding encoding, bool bigEndian, DicomJsonOptions options)
    {
        var vr = element.VR;
        if (element.Length == 0)
        {
            return;
        }

        if (vr == DicomVR.OB || vr == DicomVR.OD || vr == DicomVR.OF || vr == DicomVR.OL || vr == DicomVR.OV || vr == DicomVR.OW || vr == DicomVR.UN)
        {
            if (options.BulkDataUri?.Invoke(element) is { } uri)
            {
                writer.WriteString("BulkDataURI", uri);
            }
            else
            {
                writer.WriteBase64String("InlineBinary", LittleEndianBytes(element, bigEndian));
            }

            return;
        }

        writer.WriteStartArray("Value");
        if (vr.IsString)
        {
            var text = DicomDataset.DecodeString(element, vr == DicomVR.UI || vr == DicomVR.AE || vr == DicomVR.CS ? Encoding.ASCII : encoding);
            var values = vr.IsMultiValueString ? text.Split('\\') : [text];
            foreach (var raw in values)
            {
                var value = vr == DicomVR.LT || vr == DicomVR.ST || vr == DicomVR.UT || vr == DicomVR.UR ? raw : raw.Trim(' ', '\0');
                if (value.Length == 0)
                {
                    writer.WriteNullValue();
                }
                else if (vr == DicomVR.PN)
                {
                    WritePersonName(writer, value);
                }
                else if (vr == DicomVR.IS || vr == DicomVR.DS)
                {
                    WriteNumberText(writer, value, element);
                }
                else
                {
                    writer.WriteStringValue(value);
                }
            }
        }
        else
        {
            WriteBinaryNumbers(writer, element, bigEndian);
        }

        writer.WriteEndArray();
    }

    /// <summary>PN: up to three component groups (alphabetic, ideographic, phonetic) separated by '='.</summary>
    private static void WritePersonName(Utf8JsonWriter writer, string value)
    {
        var groups = value.Split('=');
        writer.WriteStartObject();
        string[] names = ["Alphabetic", "Ideographic", "Phonetic"];
        for (var i = 0; i < Math.Min(groups.Length, 3); i++)
        {
            if (groups[i].Length > 0)
            {
                writer.WriteString(names[i], groups[i]);
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteNumberText(Utf8JsonWriter writer, string value, DicomElement element)
    {
        if (element.VR == DicomVR.IS && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            writer.WriteNumberValue(integer);
        }
        else if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number))
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            // Not a number after all: keep the text rather than lose it.
            writer.WriteStringValue(value);
        }
    }

    private static void WriteBinaryNumbers(Utf8JsonWriter writer, DicomElement element, bool bigEndian)
    {
        var vr = element.VR;
        var bytes = element.Bytes.Span;
        if (vr == DicomVR.AT)
        {
            for (var i = 0; i + 4 <= bytes.Length; i += 4)
            {
                var group = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes[i..]) : BinaryPrimitives.ReadUInt16LittleEndian(bytes[i..]);
                var number = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes[(i + 2)..]) : BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i + 2)..]);
                writer.WriteStringValue($"{group:X4}{number:X4}");
            }

            return;
        }

        var size = vr.ValueSize;
        for (var i = 0; size > 0 && i + size <= bytes.Length; i += size)
        {
            var value = bytes.Slice(i, size);
            if (vr == DicomVR.US)
            {
                writer.WriteNumberValue(bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(value) : BinaryPrimitives.ReadUInt16LittleEndian(value));
            }
            else if (vr == DicomVR.SS)
            {
                writer.WriteNumberValue(bigEndian ? BinaryPrimitives.ReadInt16BigEndian(value) : BinaryPrimitives.ReadInt16LittleEndian(value));
            }
            else if (vr == DicomVR.UL)
            {
                writer.WriteNumberValue(bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(value) : BinaryPrimitives.ReadUInt32LittleEndian(value));
            }
            else if (vr == DicomVR.SL)
            {
                writer.WriteNumberValue(bigEndian ? BinaryPrimitives.ReadInt32BigEndian(value) : BinaryPrimitives.ReadInt32LittleEndian(value));
            }
            else if (vr == DicomVR.SV)
            {
                writer.WriteNumberValue(bigEndian ? BinaryPrimitives.ReadInt64BigEndian(value) : BinaryPrimitives.ReadInt64LittleEndian(value));
            }
            else if (vr == DicomVR.UV)
            {
                writer.WriteNumberValue(bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(value) : BinaryPrimitives.ReadUInt64LittleEndian(value));
            }
            else if (vr == DicomVR.FL)
            {
                WriteFloat(writer, bigEndian ? BinaryPrimitives.ReadSingleBigEndian(value) : BinaryPrimitives.ReadSingleLittleEndian(value));
            }
            else if (vr == DicomVR.FD)
            {
                WriteFloat(writer, bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(value) : BinaryPrimitives.ReadDoubleLittleEndian(value));
            }
        }
    }

    private static void WriteFloat(Utf8JsonWriter writer, double value)
    {
        // JSON has no NaN or infinity; the standard leaves them unrepresentable, so they become null.
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    private static byte[] LittleEndianBytes(DicomElement element, bool bigEndian)
    {
        var bytes = element.Bytes.ToArray();
        var unit = element.VR.ValueSize;
        if (bigEndian && unit > 1)
        {
            for (var i = 0; i + unit <= bytes.Length; i += unit)
            {
                bytes.AsSpan(i, unit).Reverse();
            }
        }

        return bytes;
    }
}
