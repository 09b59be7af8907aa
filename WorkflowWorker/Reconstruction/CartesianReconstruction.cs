using Imaging.Contracts.RawData;

namespace Imaging.WorkflowWorker.Reconstruction;

/// <summary>One reconstructed slice: magnitude per pixel, row by row.</summary>
public sealed record MagnitudeImage(int Rows, int Columns, double[] Pixels);

/// <summary>
/// Cartesian reconstruction: per coil a centred inverse 2-D FFT (numpy's
/// <c>fftshift(ifft2(ifftshift(k)))</c>, including its 1/N), then the root sum of squares over coils.
/// Coils run in parallel, each thread with its own scratch planes.
/// </summary>
public static class CartesianReconstruction
{
    public static MagnitudeImage[] Reconstruct(KSpace kspace, CancellationToken cancellationToken = default) => [.. Slices(kspace, cancellationToken)];

    /// <summary>The slices one by one, each reconstructed when asked for, so a caller can report progress between them.</summary>
    public static IEnumerable<MagnitudeImage> Slices(KSpace kspace, CancellationToken cancellationToken = default)
    {
        var (rows, columns, coils) = (kspace.Rows, kspace.Columns, kspace.Coils);
        var pixels = rows * columns;
        var rowPlan = FftPlan.For(columns);
        var columnPlan = FftPlan.For(rows);
        var options = new ParallelOptions { CancellationToken = cancellationToken };
        for (var slice = 0; slice < kspace.Slices; slice++)
        {
            var sumOfSquares = new double[pixels];
            var gate = new object();
            var sliceOffset = slice * coils * pixels;
            Parallel.For(0, coils, options,
                () => new Scratch(rows, columns),
                (coil, _, scratch) =>
                {
                    var offset = sliceOffset + (coil * pixels);
                    InverseCentred(kspace.Real.AsSpan(offset, pixels), kspace.Imaginary.AsSpan(offset, pixels), rows, columns, rowPlan, columnPlan, scratch);
                    scratch.AddSquaredMagnitude();
                    return scratch;
                },
                scratch =>
                {
                    lock (gate)
                    {
                        scratch.AddTo(sumOfSquares);
                    }
                });

            var scale = 1.0 / pixels;
            for (var i = 0; i < pixels; i++)
            {
                sumOfSquares[i] = Math.Sqrt(sumOfSquares[i]) * scale;
            }

            yield return new MagnitudeImage(rows, columns, sumOfSquares);
        }
    }

    // Leaves the image, unscaled, in scratch: row-major in WorkRe/WorkIm, or transposed ([x, y]) in Re/Im.
    private static void InverseCentred(ReadOnlySpan<double> re, ReadOnlySpan<double> im, int rows, int columns,
        FftPlan rowPlan, FftPlan columnPlan, Scratch scratch)
    {
        // ifftshift on the way in: work[y, x] = k[(y + rows/2) % rows, (x + columns/2) % columns].
        var (halfRows, halfColumns) = (rows / 2, columns / 2);
        for (var y = 0; y < rows; y++)
        {
            var source = ((y + halfRows) % rows) * columns;
            var target = y * columns;
            var tail = columns - halfColumns;
            re.Slice(source + halfColumns, tail).CopyTo(scratch.WorkRe.AsSpan(target));
            im.Slice(source + halfColumns, tail).CopyTo(scratch.WorkIm.AsSpan(target));
            re.Slice(source, halfColumns).CopyTo(scratch.WorkRe.AsSpan(target + tail));
            im.Slice(source, halfColumns).CopyTo(scratch.WorkIm.AsSpan(target + tail));
            rowPlan.Inverse(scratch.WorkRe.AsSpan(target, columns), scratch.WorkIm.AsSpan(target, columns));
        }

        if (columnPlan.CanTransformColumns)
        {
            // Power-of-two columns: transformed in place, all columns at once, no transpose.
            columnPlan.InverseColumns(scratch.WorkRe, scratch.WorkIm, columns);
            scratch.Transposed = false;
            return;
        }

        // Other lengths: transpose so each column is contiguous, then transform the columns one by one.
        Transpose(scratch.WorkRe, scratch.Re, rows, columns);
        Transpose(scratch.WorkIm, scratch.Im, rows, columns);
        for (var x = 0; x < columns; x++)
        {
            columnPlan.Inverse(scratch.Re.AsSpan(x * rows, rows), scratch.Im.AsSpan(x * rows, rows));
        }

        scratch.Transposed = true;
    }

    private static void Transpose(double[] source, double[] target, int rows, int columns)
    {
        const int Block = 32;
        for (var y0 = 0; y0 < rows; y0 += Block)
        {
            for (var x0 = 0; x0 < columns; x0 += Block)
            {
                var yEnd = Math.Min(y0 + Block, rows);
                var xEnd = Math.Min(x0 + Block, columns);
                for (var y = y0; y < yEnd; y++)
                {
                    for (var x = x0; x < xEnd; x++)
                    {
                        target[(x * rows) + y] = source[(y * columns) + x];
                    }
                }
            }
        }
    }

    private sealed class Scratch(int rows, int columns)
    {
        public double[] WorkRe { get; } = new double[rows * columns];

        public double[] WorkIm { get; } = new double[rows * columns];

        public double[] Re { get; } = new double[rows * columns];

        public double[] Im { get; } = new double[rows * columns];

        private readonly double[] _sum = new double[rows * columns];

        public bool Transposed { get; set; }

        // From the unshifted image into [y, x] with fftshift: the value at p goes to (p + n/2) % n.
        public void AddSquaredMagnitude()
        {
            var (halfRows, halfColumns) = (rows / 2, columns / 2);
            if (!Transposed)
            {
                for (var y = 0; y < rows; y++)
                {
                    var source = y * columns;
                    var target = ((y + halfRows) % rows) * columns;
                    var tail = columns - halfColumns;
                    // Columns [0, tail) land at [halfColumns, columns), the rest at [0, halfColumns).
                    AddSquares(WorkRe.AsSpan(source, tail), WorkIm.AsSpan(source, tail), _sum.AsSpan(target + halfColumns, tail));
                    AddSquares(WorkRe.AsSpan(source + tail, halfColumns), WorkIm.AsSpan(source + tail, halfColumns), _sum.AsSpan(target, halfColumns));
                }

                return;
            }

            for (var x = 0; x < columns; x++)
            {
                var targetColumn = (x + halfColumns) % columns;
                var source = x * rows;
                for (var y = 0; y < rows; y++)
                {
                    var (a, b) = (Re[source + y], Im[source + y]);
                    _sum[(((y + halfRows) % rows) * columns) + targetColumn] += (a * a) + (b * b);
                }
            }
        }

        private static void AddSquares(ReadOnlySpan<double> re, ReadOnlySpan<double> im, Span<double> sum)
        {
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += (re[i] * re[i]) + (im[i] * im[i]);
            }
        }

        public void AddTo(double[] total)
        {
            for (var i = 0; i < total.Length; i++)
            {
                total[i] += _sum[i];
            }
        }
    }
}
