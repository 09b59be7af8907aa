using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Imaging.WorkflowWorker.Reconstruction;

namespace Imaging.DemoData.Generated;

/// <summary>
/// Single-coil Cartesian k-space of an ellipse phantom, as numpy writes it: fftshift(fft2(ifftshift(image))) per slice,
/// complex64, shape (slices, 1, rows, columns). Reconstructed, its magnitude is the phantom again.
/// </summary>
public static class PhantomKSpace
{
    /// <summary>The phantom: an outer ellipse of 1.0 with an inner one of 0.5 that moves down the slices.</summary>
    public static double[] Image(int rows, int columns, int slice, int slices)
    {
        var image = new double[rows * columns];
        var shift = slices > 1 ? 0.4 * slice / (slices - 1) - 0.2 : 0;
        for (var r = 0; r < rows; r++)
        {
            var y = -1 + 2.0 * r / (rows - 1);
            for (var c = 0; c < columns; c++)
            {
                var x = -1 + 2.0 * c / (columns - 1);
                var outer = x * x / 0.5 + y * y / 0.8 <= 1 ? 1.0 : 0;
                var inner = x * x / 0.1 + (y - shift) * (y - shift) / 0.2 <= 1 ? 0.5 : 0;
                image[r * columns + c] = outer - inner;
            }
        }

        return image;
    }

    /// <summary>The .npy file's bytes.</summary>
    public static byte[] Npy(int slices, int rows, int columns)
    {
        var header = Header($"{{'descr': '<c8', 'fortran_order': False, 'shape': ({slices}, 1, {rows}, {columns}), }}");
        var file = new byte[header.Length + slices * rows * columns * 8];
        header.CopyTo(file, 0);
        var offset = header.Length;
        for (var slice = 0; slice < slices; slice++)
        {
            var (re, im) = Transform(Image(rows, columns, slice, slices), rows, columns);
            for (var i = 0; i < re.Length; i++, offset += 8)
            {
                BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(offset), (float)re[i]);
                BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(offset + 4), (float)im[i]);
            }
        }

        return file;
    }

    private static (double[] Re, double[] Im) Transform(double[] image, int rows, int columns)
    {
        var re = Roll(image, rows, columns);
        var im = new double[re.Length];
        var rowPlan = FftPlan.For(columns);
        for (var r = 0; r < rows; r++)
        {
            rowPlan.Forward(re.AsSpan(r * columns, columns), im.AsSpan(r * columns, columns));
        }

        var columnPlan = FftPlan.For(rows);
        var (columnRe, columnIm) = (new double[rows], new double[rows]);
        for (var c = 0; c < columns; c++)
        {
            for (var r = 0; r < rows; r++)
            {
                (columnRe[r], columnIm[r]) = (re[r * columns + c], im[r * columns + c]);
            }

            columnPlan.Forward(columnRe, columnIm);
            for (var r = 0; r < rows; r++)
            {
                (re[r * columns + c], im[r * columns + c]) = (columnRe[r], columnIm[r]);
            }
        }

        return (Roll(re, rows, columns), Roll(im, rows, columns));
    }

    // fftshift and ifftshift are the same half-way roll for the even sizes used here.
    private static double[] Roll(double[] values, int rows, int columns)
    {
        var rolled = new double[values.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                rolled[(r + rows / 2) % rows * columns + (c + columns / 2) % columns] = values[r * columns + c];
            }
        }

        return rolled;
    }

    // NPY format 1.0: magic, version, a little-endian header length, then the dict padded with spaces to a multiple of 64 and a newline.
    private static byte[] Header(string dict)
    {
        var unpadded = 10 + dict.Length + 1;
        var padding = (64 - unpadded % 64) % 64;
        var text = dict + new string(' ', padding) + "\n";
        var header = new byte[10 + text.Length];
        header[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY").CopyTo(header, 1);
        header[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), checked((ushort)text.Length));
        Encoding.ASCII.GetBytes(text).CopyTo(header, 10);
        return header;
    }

    public static string Shape(int slices, int rows, int columns) => string.Create(CultureInfo.InvariantCulture, $"{slices}×{rows}×{columns}");
}
