using System.Buffers.Binary;
using Imaging.Dicom;

namespace Dicom.Tests;

/// <summary>Malformed input gives a DicomFormatException with the offset: never a hang, a crash or a huge allocation.</summary>
public sealed class BadInputTests(DicomCorpus corpus)
{
    [Theory]
    [InlineData("img2dcm-sc.dcm")]
    [InlineData("pydicom-nested.dcm")]
    [InlineData("pydicom-implicit-le.dcm")]
    [InlineData("pydicom-deflated.dcm")]
    [InlineData("dcmcrle-rle.dcm")]
    public void A_file_cut_anywhere_reads_fully_or_fails_with_a_format_error(string name)
    {
        var bytes = File.ReadAllBytes(corpus.PathOf(name));
        var failures = 0;
        for (var cut = 0; cut < bytes.Length; cut += cut < 600 ? 1 : 13)
        {
            try
            {
                DicomReader.Read(new MemoryStream(bytes, 0, cut));
            }
            catch (DicomFormatException error)
            {
                failures++;
                Assert.InRange(error.Offset, 0, bytes.Length);
            }
            catch (InvalidDataException) when (name.Contains("deflated", StringComparison.Ordinal))
            {
                failures++; // a cut deflate stream: the inflater's own error
            }
        }

        Assert.True(failures > 0);
    }

    [Fact]
    public void A_length_that_runs_past_the_end_is_refused_before_anything_is_allocated_for_it()
    {
        var bytes = File.ReadAllBytes(corpus.PathOf("img2dcm-sc.dcm"));
        var pixelDataLength = FindExplicitLongLength(bytes, DicomTag.PixelData);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(pixelDataLength), 0xFFFFFFF0);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<DicomFormatException>(() => DicomReader.Read(new MemoryStream(bytes)));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.StartsWith("A value length of 4294967280 bytes runs past the end of the data", error.Reason, StringComparison.Ordinal);
        Assert.Equal(pixelDataLength + 4, error.Offset);
        Assert.True(allocated < 1_000_000, $"{allocated} bytes allocated");
    }

    [Fact]
    public void On_a_stream_of_unknown_length_a_lying_length_costs_no_more_than_the_data_there_is()
    {
        var bytes = File.ReadAllBytes(corpus.PathOf("img2dcm-sc.dcm"));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(FindExplicitLongLength(bytes, DicomTag.PixelData)), 0x7F000000); // under the array limit: the growth path

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<DicomFormatException>(() => DicomReader.Read(new ForwardOnlyStream(bytes), new DicomReaderOptions { MaxValueLength = int.MaxValue }));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.StartsWith("The data ends", error.Reason, StringComparison.Ordinal);
        Assert.True(allocated < 8_000_000, $"{allocated} bytes allocated");
    }

    [Fact]
    public void A_deflate_bomb_stops_at_the_inflation_limit_without_holding_what_it_claims()
    {
        // One OB value of 64 MiB of zeros, deflated to about 64 KiB: the dataset claims far more than the 1 MiB allowed.
        var compressed = new MemoryStream();
        using (var deflate = new System.IO.Compression.DeflateStream(compressed, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflate.Write([0x09, 0x00, 0x10, 0x10, (byte)'O', (byte)'B', 0, 0]);
            deflate.Write(BitConverter.GetBytes(64u << 20));
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 64; i++)
            {
                deflate.Write(zeros);
            }
        }

        var options = new DicomReaderOptions { MaxInflatedLength = 1 << 20 };
        var lying = new MemoryStream();
        using (var deflate = new System.IO.Compression.DeflateStream(lying, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write([0x09, 0x00, 0x10, 0x10, (byte)'O', (byte)'B', 0, 0, 0xF0, 0xFF, 0xFF, 0xFF]);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var bomb = Assert.Throws<DicomFormatException>(() =>
            DicomReader.ReadDataset(new MemoryStream(compressed.ToArray()), TransferSyntax.DeflatedExplicitVRLittleEndian, options));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var huge = Assert.Throws<DicomFormatException>(() =>
            DicomReader.ReadDataset(new MemoryStream(lying.ToArray()), TransferSyntax.DeflatedExplicitVRLittleEndian, options));

        Assert.True(compressed.Length < 1 << 20, $"{compressed.Length} bytes compressed");
        Assert.StartsWith("A value length of 67108864 bytes is larger than the 1048576 bytes accepted", bomb.Reason, StringComparison.Ordinal);
        Assert.True(allocated < 8_000_000, $"{allocated} bytes allocated");
        Assert.StartsWith("A value length of 4294967280 bytes is larger than the 1048576 bytes accepted", huge.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deflate_bomb_of_many_small_values_stops_at_the_inflation_limit()
    {
        // 64 values of 1 MiB each: every one is under MaxValueLength, together they pass MaxInflatedLength.
        var compressed = new MemoryStream();
        using (var deflate = new System.IO.Compression.DeflateStream(compressed, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (ushort element = 0x1000; element < 0x1040; element++)
            {
                deflate.Write([0x09, 0x00, (byte)element, (byte)(element >> 8), (byte)'O', (byte)'B', 0, 0]);
                deflate.Write(BitConverter.GetBytes(1u << 20));
                deflate.Write(zeros);
            }
        }

        var error = Assert.Throws<DicomFormatException>(() => DicomReader.ReadDataset(new MemoryStream(compressed.ToArray()),
            TransferSyntax.DeflatedExplicitVRLittleEndian, new DicomReaderOptions { MaxInflatedLength = 8 << 20 }));

        Assert.StartsWith("The deflated dataset inflates to more than the 8388608 bytes accepted", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Sequences_nested_deeper_than_the_limit_are_refused_without_exhausting_the_stack()
    {
        using var data = new MemoryStream();
        var writer = new BinaryWriter(data);
        for (var i = 0; i < 100_000; i++)
        {
            writer.Write((ushort)0x0040);
            writer.Write((ushort)0xA730); // ContentSequence
            writer.Write("SQ"u8);
            writer.Write((ushort)0);
            writer.Write(0xFFFFFFFF);
            writer.Write((ushort)0xFFFE);
            writer.Write((ushort)0xE000);
            writer.Write(0xFFFFFFFF);
        }

        var error = Assert.Throws<DicomFormatException>(() => DicomReader.ReadDataset(new MemoryStream(data.ToArray()), TransferSyntax.ExplicitVRLittleEndian));
        Assert.StartsWith("Sequences nest deeper than 32 levels", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_after_the_preamble_is_a_format_error()
    {
        var bytes = new byte[128 + 4 + 600];
        "DICM"u8.CopyTo(bytes.AsSpan(128));
        new Random(11).NextBytes(bytes.AsSpan(132));

        Assert.Throws<DicomFormatException>(() => DicomReader.Read(new MemoryStream(bytes)));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 1, 2, 3, 4, 5 })]
    public void Input_too_short_to_be_DICOM_is_a_format_error(byte[] bytes)
    {
        var error = Assert.Throws<DicomFormatException>(() => DicomReader.Read(new MemoryStream(bytes)));
        Assert.Equal(0, error.Offset);
    }

    [Fact]
    public void An_undefined_length_on_a_plain_explicit_VR_element_is_refused()
    {
        // (0010,4010) UT, whose 32-bit length says "undefined": not allowed outside sequences and pixel data.
        byte[] bytes = [0x10, 0x00, 0x10, 0x40, (byte)'U', (byte)'T', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
        var error = Assert.Throws<DicomFormatException>(() => DicomReader.ReadDataset(new MemoryStream(bytes), TransferSyntax.ExplicitVRLittleEndian));
        Assert.Equal("(0010,4010) UT has an undefined length, which only sequences and encapsulated pixel data may have", error.Reason);
    }

    [Fact]
    public void In_implicit_VR_an_undefined_length_makes_a_sequence_whatever_the_dictionary_says()
    {
        // (0010,0010) PatientName, undefined length, one empty item of undefined length, then the sequence delimiter.
        byte[] bytes = [0x10, 0x00, 0x10, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF,
            0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0, 0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0];
        var dataset = DicomReader.ReadDataset(new MemoryStream(bytes), TransferSyntax.ImplicitVRLittleEndian);
        Assert.Single(dataset.GetSequence(DicomTag.PatientName)!.Items);
    }

    /// <summary>The offset of the 32-bit length field of an explicit-VR element with a long length (OB, OW, ...).</summary>
    private static int FindExplicitLongLength(byte[] bytes, DicomTag tag)
    {
        Span<byte> pattern = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(pattern, tag.Group);
        BinaryPrimitives.WriteUInt16LittleEndian(pattern[2..], tag.Element);
        var at = bytes.AsSpan().LastIndexOf(pattern);
        Assert.True(at > 0);
        return at + 8;
    }

    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;
    }
}
