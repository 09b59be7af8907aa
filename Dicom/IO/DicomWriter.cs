using System.Buffers.Binary;

namespace Imaging.Dicom;

/// <summary>
/// Writes Part-10 files in explicit VR little endian (or implicit, for old readers): the 128-byte preamble, "DICM",
/// the File Meta Information with its group length, then the dataset. Group lengths are recomputed, odd values are
/// padded as their VR says, sequences and items keep the length form they were read with, and values read from
/// big endian are swapped to little endian.
/// </summary>
public static class DicomWriter
{
    private const uint UndefinedLength = 0xFFFFFFFF;

    public static void WriteFile(Stream output, DicomFile file, TransferSyntax? transferSyntax = null)
    {
        var syntax = transferSyntax ?? (file.TransferSyntax.IsBigEndian || file.TransferSyntax.IsDeflated
            ? TransferSyntax.ExplicitVRLittleEndian
            : file.TransferSyntax);
        if (syntax.IsBigEndian || syntax.IsDeflated)
        {
            throw new NotSupportedException($"Writing {syntax.Name} is not supported; write explicit or implicit VR little endian.");
        }

        if (syntax.IsEncapsulated != file.TransferSyntax.IsEncapsulated)
        {
            throw new NotSupportedException($"Changing between {file.TransferSyntax.Name} and {syntax.Name} needs a pixel data codec, which this library does not have.");
        }

        var meta = new DicomDataset(file.FileMetaInformation.Where(i => i.Tag != DicomTag.FileMetaInformationGroupLength));
        meta.AddOrUpdate(DicomTag.TransferSyntaxUID, DicomVR.UI, syntax.Uid);
        var metaLength = meta.Sum(i => Measure(i, explicitVR: true));
        meta.AddOrUpdate(DicomTag.FileMetaInformationGroupLength, DicomVR.UL, (uint)metaLength);

        var writer = new BufferedStream(output, 1 << 16);
        writer.Write(file.Preamble.Length == 128 ? file.Preamble : new byte[128]);
        writer.Write("DICM"u8);
        WriteDataset(writer, meta, explicitVR: true);
        WriteDataset(writer, file.Dataset, syntax.IsExplicitVR);
        writer.Flush();
    }

    /// <summary>Writes a dataset's elements only (no preamble, no meta), e.g. for a DICOMweb or network payload.</summary>
    public static void WriteDataset(Stream output, DicomDataset dataset, TransferSyntax syntax)
    {
        var writer = new BufferedStream(output, 1 << 16);
        WriteDataset(writer, dataset, syntax.IsExplicitVR);
        writer.Flush();
    }

    private static void WriteDataset(Stream output, DicomDataset dataset, bool explicitVR)
    {
        var items = dataset.ToList();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (item.Tag.IsGroupLength && item is DicomElement && item.Tag.Group != 0x0002)
            {
                // A group length present in the dataset must match what is written after it.
                var group = item.Tag.Group;
                var length = items.Skip(i + 1).TakeWhile(x => x.Tag.Group == group).Sum(x => Measure(x, explicitVR));
                var value = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(value, (uint)length);
                WriteElement(output, new DicomElement(item.Tag, DicomVR.UL, value), explicitVR, sourceBigEndian: false);
                continue;
            }

            WriteItem(output, item, explicitVR, dataset.IsBigEndian);
        }
    }

    private static void WriteItem(Stream output, DicomItem item, bool explicitVR, bool sourceBigEndian)
    {
        switch (item)
        {
            case DicomElement element:
                WriteElement(output, element, explicitVR, sourceBigEndian);
                break;
            case DicomSequence sequence:
                var length = sequence.UndefinedLength ? UndefinedLength : (uint)SequenceContentLength(sequence, explicitVR);
                WriteHeader(output, sequence.Tag, DicomVR.SQ, length, explicitVR);
                foreach (var dataset in sequence.Items)
                {
                    WriteTag(output, DicomTag.Item, dataset.UndefinedLength ? UndefinedLength : (uint)dataset.Sum(x => Measure(x, explicitVR)));
                    WriteDataset(output, dataset, explicitVR);
                    if (dataset.UndefinedLength)
                    {
                        WriteTag(output, DicomTag.ItemDelimitationItem, 0);
                    }
                }

                if (sequence.UndefinedLength)
                {
                    WriteTag(output, DicomTag.SequenceDelimitationItem, 0);
                }

                break;
            case DicomFragments fragments:
                WriteHeader(output, fragments.Tag, fragments.VR, UndefinedLength, explicitVR);
                WriteTag(output, DicomTag.Item, (uint)fragments.OffsetTable.Length);
                output.Write(fragments.OffsetTable.Span);
                foreach (var fragment in fragments.Fragments)
                {
                    WriteTag(output, DicomTag.Item, (uint)(fragment.Length + (fragment.Length & 1)));
                    output.Write(fragment.Span);
                    if ((fragment.Length & 1) == 1)
                    {
                        output.WriteByte(0);
                    }
                }

                WriteTag(output, DicomTag.SequenceDelimitationItem, 0);
                break;
        }
    }

    private static void WriteElement(Stream output, DicomElement element, bool explicitVR, bool sourceBigEndian)
    {
        var padded = element.Length + (element.Length & 1);
        if (explicitVR && !element.VR.HasLongLength && padded > ushort.MaxValue)
        {
            throw new InvalidOperationException($"{element.Tag} {element.VR} holds {padded} bytes, more than its 16-bit length field can say.");
        }

        WriteHeader(output, element.Tag, element.VR, (uint)padded, explicitVR);
        var swapUnit = element.VR == DicomVR.AT ? 2 : element.VR.ValueSize;
        if (sourceBigEndian && swapUnit > 1)
        {
            var bytes = element.Bytes.ToArray();
            for (var i = 0; i + swapUnit <= bytes.Length; i += swapUnit)
            {
                bytes.AsSpan(i, swapUnit).Reverse();
            }

            output.Write(bytes);
        }
        else if (element.IsDeferred)
        {
            using var value = element.OpenRead();
            value.CopyTo(output);
        }
        else
        {
            output.Write(element.Bytes.Span);
        }

        if ((element.Length & 1) == 1)
        {
            output.WriteByte(element.VR.PaddingByte);
        }
    }

    private static void WriteHeader(Stream output, DicomTag tag, DicomVR vr, uint length, bool explicitVR)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt16LittleEndian(header, tag.Group);
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], tag.Element);
        if (!explicitVR)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header[4..], length);
            output.Write(header[..8]);
            return;
        }

        var code = vr.Code;
        header[4] = (byte)code[0];
        header[5] = (byte)code[1];
        if (vr.HasLongLength)
        {
            header[6] = 0;
            header[7] = 0;
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], length);
            output.Write(header);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(header[6..], (ushort)length);
            output.Write(header[..8]);
        }
    }

    private static void WriteTag(Stream output, DicomTag tag, uint length)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, tag.Group);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[2..], tag.Element);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes[4..], length);
        output.Write(bytes);
    }

    /// <summary>The number of bytes an item takes when written: header plus value (or items and delimiters).</summary>
    internal static long Measure(DicomItem item, bool explicitVR)
    {
        var header = !explicitVR ? 8 : item.VR.HasLongLength || item is DicomSequence or DicomFragments ? 12 : 8;
        return item switch
        {
            DicomElement element => header + element.Length + (element.Length & 1),
            DicomSequence sequence => header + SequenceContentLength(sequence, explicitVR) + (sequence.UndefinedLength ? 8 : 0),
            DicomFragments fragments => header + 8 + fragments.OffsetTable.Length
                + fragments.Fragments.Sum(f => 8L + f.Length + (f.Length & 1)) + 8,
            _ => throw new InvalidOperationException(),
        };
    }

    private static long SequenceContentLength(DicomSequence sequence, bool explicitVR) =>
        sequence.Items.Sum(item => 8 + item.Sum(x => Measure(x, explicitVR)) + (item.UndefinedLength ? 8 : 0));
}
