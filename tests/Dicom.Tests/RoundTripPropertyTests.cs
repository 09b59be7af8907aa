using CsCheck;
using Imaging.Dicom;

namespace Dicom.Tests;

/// <summary>Over generated datasets (strings, numbers, binary, nested sequences, both length forms): write then read gives the same dataset.</summary>
public sealed class RoundTripPropertyTests
{
    private static readonly DicomVR[] StringVRs = [DicomVR.CS, DicomVR.LO, DicomVR.SH, DicomVR.PN, DicomVR.UI, DicomVR.DS, DicomVR.IS, DicomVR.LT, DicomVR.UT, DicomVR.DA];
    private static readonly DicomVR[] BinaryVRs = [DicomVR.US, DicomVR.SS, DicomVR.UL, DicomVR.SL, DicomVR.FL, DicomVR.FD, DicomVR.OB, DicomVR.OW, DicomVR.UN, DicomVR.AT];

    private static readonly Gen<DicomItem> Element =
        Gen.OneOf(
            from tag in Gen.UInt[0x00080000, 0x7FDF0000].Where(t => (t & 0xFFFF) != 0 && (t >> 16) % 2 == 0)
            from vr in Gen.OneOfConst(StringVRs)
            from text in Gen.String[Gen.Char["ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ^.-"], 0, 40]
            select (DicomItem)new DicomDataset().AddOrUpdate(DicomTag.FromValue(tag), vr, text.Trim()).First(),
            from tag in Gen.UInt[0x00090000, 0x7FDF0000].Where(t => (t & 0xFFFF) > 0x1000)
            from vr in Gen.OneOfConst(BinaryVRs)
            from units in Gen.Int[0, 12]
            from bytes in Gen.Byte.Array[units * Math.Max(2, vr.ValueSize)]
            select (DicomItem)new DicomElement(DicomTag.FromValue(tag), vr, bytes));

    private static readonly Gen<DicomDataset> Dataset = Gen.Recursive<DicomDataset>((depth, inner) =>
        from elements in Element.List[0, 10]
        from sequences in depth >= 3 ? Gen.Const(new List<(uint, bool, List<DicomDataset>, bool)>()) :
            (from tag in Gen.UInt[0x00400000, 0x0040FFFF].Where(t => (t & 0xFFFF) != 0)
             from undefined in Gen.Bool
             from items in inner.List[0, 3]
             from itemsUndefined in Gen.Bool
             select (tag, undefined, items, itemsUndefined)).List[0, 2]
        select Build(elements, sequences));

    [Fact]
    public void Writing_then_reading_gives_the_same_dataset_and_writing_again_the_same_bytes()
    {
        Dataset.Sample(dataset =>
        {
            foreach (var syntax in new[] { TransferSyntax.ExplicitVRLittleEndian, TransferSyntax.ImplicitVRLittleEndian })
            {
                var first = Write(dataset, syntax);
                var read = DicomReader.ReadDataset(new MemoryStream(first), syntax);
                var second = Write(read, syntax);
                if (!first.AsSpan().SequenceEqual(second))
                {
                    return false;
                }

                if (syntax.IsExplicitVR && !Same(dataset, read))
                {
                    return false;
                }
            }

            return true;
        }, iter: 400);
    }

    private static DicomDataset Build(List<DicomItem> elements, List<(uint Tag, bool Undefined, List<DicomDataset> Items, bool ItemsUndefined)> sequences)
    {
        var dataset = new DicomDataset(elements);
        foreach (var (tag, undefined, items, itemsUndefined) in sequences)
        {
            foreach (var item in items)
            {
                item.UndefinedLength = itemsUndefined;
            }

            dataset.Add(new DicomSequence(DicomTag.FromValue(tag), items) { UndefinedLength = undefined });
        }

        return dataset;
    }

    private static byte[] Write(DicomDataset dataset, TransferSyntax syntax)
    {
        var stream = new MemoryStream();
        DicomWriter.WriteDataset(stream, dataset, syntax);
        return stream.ToArray();
    }

    private static bool Same(DicomDataset a, DicomDataset b) =>
        a.Count == b.Count && a.Zip(b).All(pair => pair switch
        {
            (DicomElement x, DicomElement y) => x.Tag == y.Tag && x.VR == y.VR && Padded(x).AsSpan().SequenceEqual(y.Bytes.Span),
            (DicomSequence x, DicomSequence y) => x.Tag == y.Tag && x.UndefinedLength == y.UndefinedLength && x.Items.Count == y.Items.Count
                && x.Items.Zip(y.Items).All(items => items.First.UndefinedLength == items.Second.UndefinedLength && Same(items.First, items.Second)),
            _ => false,
        });

    private static byte[] Padded(DicomElement element) =>
        element.Length % 2 == 0 ? element.Bytes.ToArray() : [.. element.Bytes.Span, element.VR.PaddingByte];
}
