using System.Buffers.Binary;

namespace Imaging.Contracts.RawData;

/// <summary>Complex k-space read from a .npy file into double precision, split into real and imaginary planes.</summary>
public sealed class KSpace
{
    private KSpace(int slices, int coils, int rows, int columns, double[] real, double[] imaginary)
    {
        (Slices, Coils, Rows, Columns, Real, Imaginary) = (slices, coils, rows, columns, real, imaginary);
    }

    public int Slices { get; }

    public int Coils { get; }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>C order: [slice, coil, ky, kx].</summary>
    public double[] Real { get; }

    public double[] Imaginary { get; }

    public static KSpace FromNpy(ReadOnlySpan<byte> file, long maxValues = 64L * 1024 * 1024)
    {
        var header = NpyHeader.Parse(file, file.Length, maxValues);
        var (slices, coils, rows, columns) = header.Dimensions;
        var count = (int)header.ValueCount;
        var real = new double[count];
        var imaginary = new double[count];
        var data = file[header.HeaderBytes..];
        var shape = header.Shape;
        for (var i = 0; i < count; i++)
        {
            // Fortran order stores the first axis fastest: find the C-order index of the i-th stored value.
            var target = header.FortranOrder ? FortranToC(i, shape) : i;
            var (re, im) = header.BytesPerValue == 8
                ? (BinaryPrimitives.ReadSingleLittleEndian(data[(i * 8)..]), BinaryPrimitives.ReadSingleLittleEndian(data[(i * 8 + 4)..]))
                : (BinaryPrimitives.ReadDoubleLittleEndian(data[(i * 16)..]), BinaryPrimitives.ReadDoubleLittleEndian(data[(i * 16 + 8)..]));
            if (!double.IsFinite(re) || !double.IsFinite(im))
            {
                throw new RawDataException("The k-space holds NaN or infinite values.");
            }

            (real[target], imaginary[target]) = (re, im);
        }

        if (!real.AsSpan().ContainsAnyExcept(0) && !imaginary.AsSpan().ContainsAnyExcept(0))
        {
            // Not an error in the format, but nothing to reconstruct; saying so beats an all-black series.
            throw new RawDataException("The k-space is all zeros.");
        }

        return new KSpace(slices, coils, rows, columns, real, imaginary);
    }

    private static int FortranToC(int fortranIndex, int[] shape)
    {
        var cIndex = 0;
        var stride = 1;
        Span<int> position = stackalloc int[shape.Length];
        for (var axis = 0; axis < shape.Length; axis++)
        {
            position[axis] = fortranIndex % shape[axis];
            fortranIndex /= shape[axis];
        }

        for (var axis = shape.Length - 1; axis >= 0; axis--)
        {
            cIndex += position[axis] * stride;
            stride *= shape[axis];
        }

        return cIndex;
    }
}
