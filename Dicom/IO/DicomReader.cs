using System.IO.Compression;

namespace Imaging.Dicom;

/// <summary>
/// Reads Part-10 files and raw datasets in every uncompressed transfer syntax (implicit and explicit VR little
/// endian, explicit VR big endian, deflated) and keeps encapsulated pixel data as fragments. Values keep their
/// exact bytes. Malformed input gives a <see cref="DicomFormatException"/> with the offset, never a hang or an
/// allocation the input cannot back.
/// </summary>
public static class DicomReader
{
    private const uint UndefinedLength = 0xFFFFFFFF;

    public static DicomFile ReadFile(string path, DicomReaderOptions? options = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        return Read(new ByteReader(stream, path), options ?? DicomReaderOptions.Default);
    }

    /// <summary>Reads a Part-10 file or, when there is no "DICM" at byte 128, a raw dataset whose encoding is detected.</summary>
    public static DicomFile Read(Stream stream, DicomReaderOptions? options = null) =>
        Read(new ByteReader(stream), options ?? DicomReaderOptions.Default);

    /// <summary>Reads a raw dataset (no preamble, no meta) in a known transfer syntax.</summary>
    public static DicomDataset ReadDataset(Stream stream, TransferSyntax syntax, DicomReaderOptions? options = null)
    {
        var reader = new ByteReader(stream);
        return ReadBody(reader, syntax, options ?? DicomReaderOptions.Default);
    }

    /// <summary>
    /// The encoding of a raw dataset, from its first element: an explicit VR shows as two upper-case letters after
    /// the tag; big endian shows as a group number that only makes sense read the other way round.
    /// </summary>
    public static TransferSyntax DetectRawSyntax(ReadOnlySpan<byte> start)
    {
        if (start.Length < 8)
        {
            throw new DicomFormatException("Too short to be a DICOM dataset", 0);
        }

        var littleGroup = (ushort)(start[0] | (start[1] << 8));
        var bigGroup = (ushort)((start[0] << 8) | start[1]);
        var explicitVR = DicomVR.TryParse(start[4], start[5], out var vr) && vr.IsKnown;
        if (explicitVR && bigGroup < littleGroup && bigGroup is > 0 and < 0x0100 && littleGroup >= 0x0100)
        {
            return TransferSyntax.ExplicitVRBigEndian;
        }

        return explicitVR ? TransferSyntax.ExplicitVRLittleEndian : TransferSyntax.ImplicitVRLittleEndian;
    }

    private static DicomFile Read(ByteReader reader, DicomReaderOptions options)
    {
        Span<byte> head = stackalloc byte[132];
        var isPart10 = reader.TryPeek(head) && head[128..132].SequenceEqual("DICM"u8);
        if (isPart10)
        {
            var preamble = new byte[128];
            reader.ReadExactly(preamble);
            reader.ReadExactly(stackalloc byte[4]);
            var meta = ReadFileMetaInformation(reader, options);
            var syntax = TransferSyntaxOf(meta, reader.Position);
            return new DicomFile(meta, ReadBody(reader, syntax, options)) { Preamble = preamble };
        }

        Span<byte> first = stackalloc byte[8];
        if (!reader.TryPeek(first))
        {
            throw new DicomFormatException("Too short to be DICOM: fewer than 8 bytes and no Part-10 header", 0);
        }

        if (first[0] == 0x02 && first[1] == 0x00)
        {
            // File Meta Information without the preamble: some writers omit it.
            var meta = ReadFileMetaInformation(reader, options);
            var syntax = TransferSyntaxOf(meta, reader.Position);
            return new DicomFile(meta, ReadBody(reader, syntax, options)) { IsPart10 = false };
        }

        var detected = DetectRawSyntax(first);
        var dataset = ReadBody(reader, detected, options);
        var rawMeta = new DicomDataset();
        rawMeta.AddOrUpdate(DicomTag.TransferSyntaxUID, DicomVR.UI, detected.Uid);
        return new DicomFile(rawMeta, dataset) { IsPart10 = false };
    }

    private static TransferSyntax TransferSyntaxOf(DicomDataset meta, long offset) =>
        meta.GetString(DicomTag.TransferSyntaxUID) is { Length: > 0 } uid
            ? TransferSyntax.FromUid(uid)
            : throw new DicomFormatException("The File Meta Information has no Transfer Syntax UID (0002,0010)", offset);

    /// <summary>Group 0002, always explicit VR little endian, up to the first element of another group.</summary>
    private static DicomDataset ReadFileMetaInformation(ByteReader reader, DicomReaderOptions options)
    {
        var parser = new DatasetParser(reader, TransferSyntax.ExplicitVRLittleEndian, options);
        var meta = parser.ReadDataset(end: null, depth: 0, untilGroupChanges: 0x0002, stopAt: null);
        if (meta.Count == 0)
        {
            throw new DicomFormatException("The Part-10 header is not followed by File Meta Information (group 0002)", reader.Position);
        }

        return meta;
    }

    private static DicomDataset ReadBody(ByteReader reader, TransferSyntax syntax, DicomReaderOptions options)
    {
        if (syntax.IsDeflated)
        {
            var inflated = new DeflateStream(reader.RemainderAsStream(), CompressionMode.Decompress);
            reader = new ByteReader(new InflationLimit(inflated, options.MaxInflatedLength), path: null, offsetBase: 0);
            // A value cannot be longer than the whole inflated dataset may be: refuse such a length before reading it.
            options = options with { MaxValueLength = Math.Min(options.MaxValueLength, options.MaxInflatedLength) };
        }

        var parser = new DatasetParser(reader, syntax, options);
        var dataset = parser.ReadDataset(end: null, depth: 0, untilGroupChanges: null, stopAt: options.StopAt);
        dataset.IsBigEndian = syntax.IsBigEndian;
        return dataset;
    }

    /// <summary>The recursive descent over elements, sequences, items and fragments.</summary>
    private sealed class DatasetParser(ByteReader reader, TransferSyntax syntax, DicomReaderOptions options)
    {
        private readonly bool _big = syntax.IsBigEndian;

        public DicomDataset ReadDataset(long? end, int depth, ushort? untilGroupChanges, DicomTag? stopAt, bool implicitVR = false, bool untilItemDelimiter = false)
        {
            var dataset = new DicomDataset { IsBigEndian = _big };
            Span<byte> peek = stackalloc byte[2];
            while (true)
            {
                if (end is { } limit && reader.Position >= limit)
                {
                    if (reader.Position > limit)
                    {
                        throw new DicomFormatException($"An element runs {reader.Position - limit} byte(s) past the end of its item", limit);
                    }

                    break;
                }

                if (untilGroupChanges is { } group && (!reader.TryPeek(peek) || (ushort)(peek[0] | (peek[1] << 8)) != group))
                {
                    break;
                }

                if (end is null && !untilItemDelimiter && reader.AtEnd)
                {
                    break;
                }

                var offset = reader.Position;
                var tag = new DicomTag(reader.ReadUInt16(_big), reader.ReadUInt16(_big));
                if (tag == DicomTag.ItemDelimitationItem)
                {
                    reader.ReadUInt32(_big);
                    if (!untilItemDelimiter)
                    {
                        throw new DicomFormatException("An item delimiter outside an item of undefined length", offset);
                    }

                    return dataset;
                }

                if (tag == DicomTag.SequenceDelimitationItem || tag == DicomTag.Item)
                {
                    throw new DicomFormatException($"An unexpected {(tag == DicomTag.Item ? "item" : "sequence delimiter")} tag inside a dataset", offset);
                }

                if (stopAt is { } stop && tag >= stop)
                {
                    return dataset;
                }

                dataset.Add(ReadItem(tag, offset, depth, implicitVR || !syntax.IsExplicitVR));
            }

            if (untilItemDelimiter)
            {
                throw new DicomFormatException("An item of undefined length has no item delimiter before the data ends", reader.Position);
            }

            return dataset;
        }

        private DicomItem ReadItem(DicomTag tag, long offset, int depth, bool implicitVR)
        {
            DicomVR vr;
            uint length;
            if (implicitVR)
            {
                vr = DicomDictionary.ImplicitVROf(tag);
                length = reader.ReadUInt32(_big);
            }
            else
            {
                Span<byte> code = stackalloc byte[2];
                reader.ReadExactly(code);
                if (!DicomVR.TryParse(code[0], code[1], out vr))
                {
                    throw new DicomFormatException($"{tag} has no valid VR (bytes 0x{code[0]:X2} 0x{code[1]:X2}) in an explicit VR dataset", offset + 4);
                }

                if (vr.HasLongLength || !vr.IsKnown)
                {
                    // Unknown VRs are read like UN (PS3.5 §6.2.2): two reserved bytes and a 32-bit length.
                    reader.ReadUInt16(_big);
                    length = reader.ReadUInt32(_big);
                    if (!vr.IsKnown)
                    {
                        vr = DicomVR.UN;
                    }
                }
                else
                {
                    length = reader.ReadUInt16(_big);
                }
            }

            if (length == UndefinedLength && (tag == DicomTag.PixelData || (tag.Group == 0x7FE0 && vr != DicomVR.SQ)))
            {
                return ReadFragments(tag, vr == DicomVR.OW ? DicomVR.OW : DicomVR.OB, offset);
            }

            // Only sequences may have an undefined length (PS3.5 §7.5): UN of undefined length is a sequence in
            // implicit VR little endian (§6.2.2), and in implicit VR the length itself says "sequence", whatever
            // the dictionary (a private or newer tag) would suggest.
            if (vr == DicomVR.SQ || (length == UndefinedLength && (vr == DicomVR.UN || implicitVR)))
            {
                return ReadSequence(tag, length, depth, implicitVR || vr == DicomVR.UN);
            }

            if (length == UndefinedLength)
            {
                throw new DicomFormatException($"{tag} {vr} has an undefined length, which only sequences and encapsulated pixel data may have", offset);
            }

            if (reader.Path is not null && reader.CanSeek && length > options.DeferValuesLargerThan)
            {
                var start = reader.SkipValue(length);
                return new DicomElement(tag, vr, new FileSegment(reader.Path, start, length));
            }

            return new DicomElement(tag, vr, reader.ReadValue(length, options.MaxValueLength));
        }

        private DicomSequence ReadSequence(DicomTag tag, uint length, int depth, bool implicitVR)
        {
            if (depth + 1 > options.MaxDepth)
            {
                throw new DicomFormatException($"Sequences nest deeper than {options.MaxDepth} levels", reader.Position);
            }

            var sequence = new DicomSequence(tag) { UndefinedLength = length == UndefinedLength };
            long? end = length == UndefinedLength ? null : reader.Position + length;
            if (end is { } e && reader.Remaining is { } remaining && length > remaining)
            {
                throw new DicomFormatException($"{tag} declares {length} bytes but only {remaining} remain", reader.Position);
            }

            // Items of a sequence read from implicit VR stay implicit; a UN sequence is implicit little endian.
            var itemParser = implicitVR && syntax.IsExplicitVR ? new DatasetParser(reader, TransferSyntax.ImplicitVRLittleEndian, options) : this;
            while (end is null || reader.Position < end)
            {
                var offset = reader.Position;
                var itemTag = new DicomTag(reader.ReadUInt16(_big), reader.ReadUInt16(_big));
                var itemLength = reader.ReadUInt32(_big);
                if (itemTag == DicomTag.SequenceDelimitationItem)
                {
                    if (end is not null)
                    {
                        throw new DicomFormatException($"A sequence delimiter inside {tag}, which has a defined length", offset);
                    }

                    return sequence;
                }

                if (itemTag != DicomTag.Item)
                {
                    throw new DicomFormatException($"{tag} holds {itemTag} where an item (FFFE,E000) must be", offset);
                }

                var undefinedItem = itemLength == UndefinedLength;
                if (!undefinedItem && reader.Remaining is { } left && itemLength > left)
                {
                    throw new DicomFormatException($"An item of {tag} declares {itemLength} bytes but only {left} remain", offset);
                }

                var item = itemParser.ReadDataset(
                    end: undefinedItem ? null : reader.Position + itemLength, depth + 1, untilGroupChanges: null, stopAt: null,
                    implicitVR: implicitVR, untilItemDelimiter: undefinedItem);
                item.UndefinedLength = undefinedItem;
                sequence.Items.Add(item);
            }

            if (reader.Position != end)
            {
                throw new DicomFormatException($"The items of {tag} overrun its declared length", reader.Position);
            }

            return sequence;
        }

        private DicomFragments ReadFragments(DicomTag tag, DicomVR vr, long offset)
        {
            var fragments = new DicomFragments(tag, vr);
            var first = true;
            while (true)
            {
                var itemOffset = reader.Position;
                var itemTag = new DicomTag(reader.ReadUInt16(_big), reader.ReadUInt16(_big));
                var length = reader.ReadUInt32(_big);
                if (itemTag == DicomTag.SequenceDelimitationItem)
                {
                    return fragments;
                }

                if (itemTag != DicomTag.Item || length == UndefinedLength)
                {
                    throw new DicomFormatException($"Encapsulated pixel data {tag} holds {itemTag} where a fragment item of defined length must be", itemOffset);
                }

                var bytes = reader.ReadValue(length, options.MaxValueLength);
                if (first)
                {
                    fragments.OffsetTable = bytes;
                    first = false;
                }
                else
                {
                    fragments.Fragments.Add(bytes);
                }
            }
        }
    }
}
