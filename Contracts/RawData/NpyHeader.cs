using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Imaging.Contracts.RawData;

/// <summary>
/// The header of a NumPy <c>.npy</c> file holding complex k-space (format versions 1.0–3.0, as numpy documents it):
/// little-endian complex64 (<c>&lt;c8</c>) or complex128 (<c>&lt;c16</c>), C or Fortran order, shape
/// <c>[ky, kx]</c>, <c>[coils, ky, kx]</c> or <c>[slices, coils, ky, kx]</c>.
/// </summary>
public sealed partial record NpyHeader(int HeaderBytes, int BytesPerValue, bool FortranOrder, int[] Shape)
{
    // Not a u8 literal: "\x93" would encode as two UTF-8 bytes.
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public long ValueCount => Shape.Aggregate(1L, (product, n) => product * n);

    public long DataBytes => ValueCount * BytesPerValue;

    /// <summary>Slices, coils, rows (ky), columns (kx): the shape with the missing leading axes as 1.</summary>
    public (int Slices, int Coils, int Rows, int Columns) Dimensions => Shape.Length switch
    {
        2 => (1, 1, Shape[0], Shape[1]),
        3 => (1, Shape[0], Shape[1], Shape[2]),
        _ => (Shape[0], Shape[1], Shape[2], Shape[3]),
    };

    /// <summary>Reads and checks the header from the start of a file; <paramref name="fileLength"/> must match what it promises.</summary>
    public static NpyHeader Parse(ReadOnlySpan<byte> start, long fileLength, long maxValues)
    {
        if (start.Length < 10 || !start[..6].SequenceEqual(Magic))
        {
            throw new RawDataException("Not a NumPy .npy file (no \\x93NUMPY magic).");
        }

        var major = start[6];
        var (lengthBytes, headerLength) = major switch
        {
            1 => (2, (int)BinaryPrimitives.ReadUInt16LittleEndian(start[8..])),
            // Bounded before the cast: a length of 2^31 or more would not fit an int (found by fuzz/run.sh npy-reader).
            2 or 3 when start.Length >= 12 => (4, (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(start[8..]), int.MaxValue - 12)),
            _ => throw new RawDataException($".npy format version {major}.{start[7]} is not supported (1.0 to 3.0 are)."),
        };
        var headerBytes = 8 + lengthBytes + headerLength;
        if (headerLength > 64 * 1024 || start.Length < headerBytes)
        {
            throw new RawDataException("The .npy header is truncated or implausibly long.");
        }

        var text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(start[(8 + lengthBytes)..headerBytes]);
        var match = HeaderPattern().Match(text);
        if (!match.Success)
        {
            throw new RawDataException($"The .npy header is not a dictionary of descr, fortran_order and shape: {text.Trim()}");
        }

        var descr = match.Groups["descr"].Value;
        var bytesPerValue = descr switch
        {
            "<c8" => 8,
            "<c16" => 16,
            _ => throw new RawDataException($"dtype '{descr}' is not complex k-space: complex64 ('<c8') or complex128 ('<c16') is needed."),
        };
        var shape = match.Groups["shape"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v <= int.MaxValue
                ? (int)v
                : throw new RawDataException($"The shape holds '{n}', not a dimension."))
            .ToArray();
        if (shape.Length is < 2 or > 4)
        {
            throw new RawDataException($"A shape of {shape.Length} axes cannot be k-space: [ky, kx], [coils, ky, kx] or [slices, coils, ky, kx] is needed.");
        }

        var header = new NpyHeader(headerBytes, bytesPerValue, match.Groups["fortran"].Value == "True", shape);
        if (shape.Any(n => n == 0))
        {
            throw new RawDataException($"The array is empty: shape ({string.Join(", ", shape)}).");
        }

        if (MoreValuesThan(shape, maxValues) || header.Dimensions.Rows > 8192 || header.Dimensions.Columns > 8192)
        {
            throw new RawDataException($"Shape ({string.Join(", ", shape)}) is larger than accepted ({maxValues} values, 8192 per image axis).");
        }

        if (headerBytes + header.DataBytes != fileLength)
        {
            throw new RawDataException($"The header promises {header.DataBytes} bytes of data for shape ({string.Join(", ", shape)}) but the file holds {fileLength - headerBytes}.");
        }

        return header;
    }

    /// <summary>Whether the shape's product exceeds the bound, without forming a product that could overflow.</summary>
    private static bool MoreValuesThan(int[] shape, long maxValues)
    {
        var values = 1L;
        foreach (var n in shape)
        {
            if (n > maxValues / values)
            {
                return true;
            }

            values *= n;
        }

        return false;
    }

    // numpy writes {'descr': '<c8', 'fortran_order': False, 'shape': (2, 3), } with the keys in this order.
    [GeneratedRegex(@"^\{\s*'descr':\s*'(?<descr>[^']*)',\s*'fortran_order':\s*(?<fortran>True|False),\s*'shape':\s*\((?<shape>[\d,\s]*)\),?\s*\}\s*$")]
    private static partial Regex HeaderPattern();
}
