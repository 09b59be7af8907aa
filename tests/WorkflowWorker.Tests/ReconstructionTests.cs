using System.Numerics;
using Imaging.Contracts.RawData;
using Imaging.TestSupport;
using Imaging.WorkflowWorker.Reconstruction;

namespace WorkflowWorker.Tests;

/// <summary>The reconstruction: a phantom through the forward transform and back; the same k-space through numpy.</summary>
public sealed class ReconstructionTests
{
    [Theory]
    [InlineData(128, 128, 1)]
    [InlineData(96, 80, 4)]
    [InlineData(45, 37, 3)]
    public void A_phantom_comes_back_from_its_k_space(int rows, int columns, int coils)
    {
        var phantom = Phantom(rows, columns);
        // Each coil sees the phantom times a constant complex sensitivity whose magnitudes' squares sum to 1,
        // so the root sum of squares is the phantom itself.
        var weight = 1 / Math.Sqrt(coils);
        var (re, im) = (new List<double>(), new List<double>());
        for (var c = 0; c < coils; c++)
        {
            var (s, cos) = Math.SinCos(2 * Math.PI * c / coils);
            var coilRe = phantom.Select(p => p * weight * cos).ToArray();
            var coilIm = phantom.Select(p => p * weight * s).ToArray();
            ForwardCentred(coilRe, coilIm, rows, columns);
            re.AddRange(coilRe);
            im.AddRange(coilIm);
        }

        var image = CartesianReconstruction.Reconstruct(KSpace.FromNpy(Npy([coils, rows, columns], [.. re], [.. im])), TestContext.Current.CancellationToken).Single();

        var error = Math.Sqrt(phantom.Zip(image.Pixels, (a, b) => (a - b) * (a - b)).Sum() / phantom.Sum(p => p * p));
        // The issue asks for below 1e-4; computing in double precision throughout leaves only rounding.
        Assert.True(error < 1e-10, $"normalised RMSE {error:E2}");
    }

    [Fact]
    public void The_same_k_space_gives_numpys_image()
    {
        var folder = Directory.CreateTempSubdirectory("reco-oracle-").FullName;
        try
        {
            var cases = ExternalTool.Run("/usr/bin/python3", Path.Combine(AppContext.BaseDirectory, "Oracle", "numpy_reconstruct.py"), folder).Split(' ', StringSplitOptions.TrimEntries);
            Assert.Equal(6, cases.Length);
            foreach (var name in cases)
            {
                var kspace = KSpace.FromNpy(File.ReadAllBytes(Path.Combine(folder, $"{name}.npy")));
                var reference = KSpace.FromNpy(File.ReadAllBytes(Path.Combine(folder, $"{name}.reference.npy")));
                var images = CartesianReconstruction.Reconstruct(kspace, TestContext.Current.CancellationToken);
                var ours = images.SelectMany(i => i.Pixels).ToArray();

                Assert.Equal(reference.Real.Length, ours.Length);
                Assert.Equal(reference.Rows * reference.Columns * reference.Coils * reference.Slices, ours.Length);
                var max = reference.Real.Max();
                var worst = reference.Real.Zip(ours, (a, b) => Math.Abs(a - b)).Max() / max;
                Assert.True(worst < 1e-5, $"{name}: max difference {worst:E2} of the image's maximum");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A .npy file of complex128 values in C order, written by hand (numpy's own files are in the oracle test).</summary>
    internal static byte[] Npy(int[] shape, double[] re, double[] im, string descr = "<c16")
    {
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': ({string.Join(", ", shape)}{(shape.Length == 1 ? "," : "")}), }}";
        var padded = header.PadRight(((10 + header.Length + 1 + 63) / 64 * 64) - 10 - 1) + "\n";
        using var stream = new MemoryStream();
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        stream.Write(BitConverter.GetBytes((ushort)padded.Length));
        stream.Write(System.Text.Encoding.Latin1.GetBytes(padded));
        for (var i = 0; i < re.Length; i++)
        {
            stream.Write(BitConverter.GetBytes(re[i]));
            stream.Write(BitConverter.GetBytes(im[i]));
        }

        return stream.ToArray();
    }

    private static double[] Phantom(int rows, int columns)
    {
        var image = new double[rows * columns];
        (double X, double Y, double A, double B, double Value)[] ellipses =
            [(0, 0, 0.69, 0.92, 1.0), (0, -0.018, 0.66, 0.87, -0.8), (0.22, 0, 0.11, 0.31, -0.2), (-0.22, 0, 0.16, 0.41, -0.2), (0, 0.35, 0.21, 0.25, 0.1)];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var (x, y) = ((2.0 * c / (columns - 1)) - 1, (2.0 * r / (rows - 1)) - 1);
                image[(r * columns) + c] = ellipses.Where(e => Math.Pow((x - e.X) / e.A, 2) + Math.Pow((y - e.Y) / e.B, 2) <= 1).Sum(e => e.Value);
            }
        }

        return image;
    }

    // k = fftshift(fft2(ifftshift(image))), by the definition's sums row and column wise through Complex, independent of FftPlan's layout.
    private static void ForwardCentred(double[] re, double[] im, int rows, int columns)
    {
        var data = new Complex[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                data[r, c] = new Complex(re[(((r + (rows / 2)) % rows) * columns) + ((c + (columns / 2)) % columns)], im[(((r + (rows / 2)) % rows) * columns) + ((c + (columns / 2)) % columns)]);
            }
        }

        data = Dft2(data);
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                var value = data[(r - (rows / 2) + rows) % rows, (c - (columns / 2) + columns) % columns];
                re[(r * columns) + c] = value.Real;
                im[(r * columns) + c] = value.Imaginary;
            }
        }
    }

    private static Complex[,] Dft2(Complex[,] data)
    {
        var (rows, columns) = (data.GetLength(0), data.GetLength(1));
        var rowsDone = new Complex[rows, columns];
        for (var r = 0; r < rows; r++)
        {
            for (var k = 0; k < columns; k++)
            {
                var sum = Complex.Zero;
                for (var c = 0; c < columns; c++)
                {
                    sum += data[r, c] * Complex.FromPolarCoordinates(1, -2 * Math.PI * ((long)k * c % columns) / columns);
                }

                rowsDone[r, k] = sum;
            }
        }

        var result = new Complex[rows, columns];
        for (var c = 0; c < columns; c++)
        {
            for (var k = 0; k < rows; k++)
            {
                var sum = Complex.Zero;
                for (var r = 0; r < rows; r++)
                {
                    sum += rowsDone[r, c] * Complex.FromPolarCoordinates(1, -2 * Math.PI * ((long)k * r % rows) / rows);
                }

                result[k, c] = sum;
            }
        }

        return result;
    }
}
