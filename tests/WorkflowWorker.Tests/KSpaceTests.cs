using System.Text;
using Imaging.Contracts.RawData;

namespace WorkflowWorker.Tests;

/// <summary>The .npy reader: what it accepts, and a clear reason for everything it refuses.</summary>
public sealed class KSpaceTests
{
    [Fact]
    public void Complex64_in_C_order_reads_value_for_value()
    {
        var bytes = Header("<c8", false, "2, 3", 6 * 8).Concat(Enumerable.Range(0, 6).SelectMany(i => BitConverter.GetBytes((float)i).Concat(BitConverter.GetBytes(-(float)i)))).ToArray();

        var kspace = KSpace.FromNpy(bytes);

        Assert.Equal((1, 1, 2, 3), (kspace.Slices, kspace.Coils, kspace.Rows, kspace.Columns));
        Assert.Equal([0, 1, 2, 3, 4, 5], kspace.Real);
        Assert.Equal([0, -1, -2, -3, -4, -5], kspace.Imaginary);
    }

    [Fact]
    public void Fortran_order_is_turned_into_C_order()
    {
        // Stored column-major: element (r, c) of a 2×3 array is at position c * 2 + r; value 10 r + c.
        var stored = new[] { 0.0, 10, 1, 11, 2, 12 };
        var bytes = Header("<c16", true, "2, 3", 6 * 16).Concat(stored.SelectMany(v => BitConverter.GetBytes(v).Concat(BitConverter.GetBytes(0.0)))).ToArray();

        Assert.Equal([0, 1, 2, 10, 11, 12], KSpace.FromNpy(bytes).Real);
    }

    [Theory]
    [InlineData("<f8", "2, 3", 48, "is not complex k-space")]
    [InlineData(">c8", "2, 3", 48, "is not complex k-space")]
    [InlineData("<c8", "2, 3", 40, "promises 48 bytes")]
    [InlineData("<c8", "2, 3", 56, "promises 48 bytes")]
    [InlineData("<c8", "0, 3", 0, "empty")]
    [InlineData("<c8", "6", 48, "cannot be k-space")]
    [InlineData("<c8", "1, 1, 1, 2, 3", 48, "cannot be k-space")]
    [InlineData("<c8", "100000, 100000", 0, "larger than accepted")]
    [InlineData("<c8", "2, 99999999999", 0, "not a dimension")]
    // 2^30 · 2^30 · 4 · 4 = 2^64: a product in 64 bits wraps to 0 values, which a file of no data would have matched.
    [InlineData("<c8", "1073741824, 1073741824, 4, 4", 0, "larger than accepted")]
    public void A_header_that_does_not_describe_k_space_is_refused_with_the_reason(string descr, string shape, int dataBytes, string reason)
    {
        var bytes = Header(descr, false, shape, dataBytes).Concat(new byte[dataBytes]).ToArray();

        var refused = Assert.Throws<RawDataException>(() => KSpace.FromNpy(bytes));
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not an npy file at all", "no \\x93NUMPY magic")]
    [InlineData("\u0093NUMPY\u0009\u0000\u0010\u0000{}", "version 9.0")]
    // A version 3 header length of 2^32 - 1: found by fuzz/run.sh npy-reader, which made it overflow into an OverflowException.
    [InlineData("\u0093NUMPY\u0003\u0000\u00ff\u00ff\u00ff\u00ff{'descr': '<c8'}", "implausibly long")]
    public void Something_that_is_not_an_npy_file_is_refused(string content, string reason)
    {
        var refused = Assert.Throws<RawDataException>(() => KSpace.FromNpy(Encoding.Latin1.GetBytes(content)));
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_that_is_not_numpys_dictionary_is_refused()
    {
        var bytes = Encoding.Latin1.GetBytes("\u0093NUMPY\u0001\u0000").Concat(BitConverter.GetBytes((ushort)22)).Concat(Encoding.Latin1.GetBytes("__import__('os')     \n")).ToArray();
        Assert.Contains("not a dictionary", Assert.Throws<RawDataException>(() => KSpace.FromNpy(bytes)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(double.NaN, "NaN or infinite")]
    [InlineData(double.PositiveInfinity, "NaN or infinite")]
    [InlineData(0.0, "all zeros")]
    public void Values_that_cannot_make_an_image_are_refused(double value, string reason)
    {
        var bytes = ReconstructionTests.Npy([2, 2], [value, 0, 0, 0], [0, 0, 0, 0]);
        Assert.Contains(reason, Assert.Throws<RawDataException>(() => KSpace.FromNpy(bytes)).Message, StringComparison.Ordinal);
    }

    private static byte[] Header(string descr, bool fortran, string shape, int dataBytes)
    {
        _ = dataBytes;
        var text = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': ({shape}), }}";
        text = text.PadRight(((10 + text.Length + 1 + 63) / 64 * 64) - 11) + "\n";
        return [.. Encoding.Latin1.GetBytes("\u0093NUMPY\u0001\u0000"), .. BitConverter.GetBytes((ushort)text.Length), .. Encoding.Latin1.GetBytes(text)];
    }
}
