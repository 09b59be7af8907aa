using System.IO.Compression;

namespace ResultsApi.Tests;

/// <summary>
/// A Part-10 file in Deflated Explicit VR Little Endian whose Pixel Data is <c>length</c> zero bytes, compressed about a
/// thousandfold: built as it is compressed, one repeated block at a time, so a gigabyte never exists in memory.
/// </summary>
public static class DeflateBomb
{
    public static byte[] Part10(string sopInstanceUid, string studyUid, string seriesUid, long length)
    {
        var meta = DicomFile.CreateFileMetaInformation(DicomImages.SecondaryCaptureImageStorage, sopInstanceUid, TransferSyntax.DeflatedExplicitVRLittleEndian);
        var metaBytes = new MemoryStream();
        DicomWriter.WriteDataset(metaBytes, meta, TransferSyntax.ExplicitVRLittleEndian);
        var output = new MemoryStream();
        output.Write(new byte[128]);
        output.Write("DICM"u8);
        // (0002,0000) UL 4: the File Meta Information Group Length.
        output.Write([0x02, 0x00, 0x00, 0x00, (byte)'U', (byte)'L', 0x04, 0x00]);
        output.Write(BitConverter.GetBytes((uint)metaBytes.Length));
        output.Write(metaBytes.ToArray());

        var identity = new DicomDataset()
            .AddOrUpdate(DicomTag.SOPClassUID, DicomVR.UI, DicomImages.SecondaryCaptureImageStorage)
            .AddOrUpdate(DicomTag.SOPInstanceUID, DicomVR.UI, sopInstanceUid)
            .AddOrUpdate(DicomTag.StudyInstanceUID, DicomVR.UI, studyUid)
            .AddOrUpdate(DicomTag.SeriesInstanceUID, DicomVR.UI, seriesUid);
        var head = new MemoryStream();
        DicomWriter.WriteDataset(head, identity, TransferSyntax.ExplicitVRLittleEndian);
        // (7FE0,0010) OB, two reserved bytes, 32-bit length; then the zeros.
        head.Write([0xE0, 0x7F, 0x10, 0x00, (byte)'O', (byte)'B', 0, 0]);
        head.Write(BitConverter.GetBytes((uint)Math.Min(length, uint.MaxValue - 1)));
        output.Write(Zeros(head.ToArray(), length));
        return output.ToArray();
    }

    /// <summary>
    /// Raw deflate of <paramref name="head"/> then <paramref name="length"/> zeros. Once the window is all zeros, each
    /// flushed megabyte of zeros compresses to the same bytes, so that block is made once and written again and again.
    /// </summary>
    public static byte[] Zeros(byte[] head, long length)
    {
        const int Chunk = 1 << 20;
        var zeros = new byte[Chunk];
        var sink = new MemoryStream();
        using (var deflate = new DeflateStream(sink, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflate.Write(head);
            deflate.Write(zeros);
            deflate.Flush();
            var first = sink.Length;
            deflate.Write(zeros);
            deflate.Flush();
            var second = sink.Length;
            deflate.Write(zeros);
            deflate.Flush();
            var block = sink.GetBuffer().AsSpan((int)second, (int)(sink.Length - second)).ToArray();
            if (!block.AsSpan().SequenceEqual(sink.GetBuffer().AsSpan((int)first, (int)(second - first))))
            {
                throw new InvalidOperationException("Flushed blocks of zeros differ; the bomb cannot be built by repetition.");
            }

            for (var written = 3L * Chunk; written < length; written += Chunk)
            {
                sink.Write(block);
            }
        }

        // Disposing the DeflateStream wrote its final empty block after the repeated ones, ending the stream.
        return sink.ToArray();
    }
}
