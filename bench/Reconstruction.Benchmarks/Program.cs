using System.Numerics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Imaging.Contracts.RawData;
using Imaging.WorkflowWorker.Reconstruction;
using MathNet.Numerics.IntegralTransforms;

// dotnet run -c Release -- <BenchmarkDotNet arguments>, with RECO_BENCH_DIR holding k-space-{case}.npy written by numpy.
BenchmarkSwitcher.FromAssembly(typeof(ReconstructionBenchmarks).Assembly).Run(args);

/// <summary>
/// One record's reconstruction (centred inverse 2-D FFT per coil, root sum of squares), from k-space in memory to
/// magnitude images, in double precision: ours, and the same steps on MathNet.Numerics' managed FFT.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 2, iterationCount: 10)]
public class ReconstructionBenchmarks
{
    private KSpace _kspace = null!;

    [Params("256x256x8", "512x512x32")]
    public string Case { get; set; } = "256x256x8";

    [GlobalSetup]
    public void Setup()
    {
        var folder = Environment.GetEnvironmentVariable("RECO_BENCH_DIR") ?? throw new InvalidOperationException("Set RECO_BENCH_DIR.");
        _kspace = KSpace.FromNpy(File.ReadAllBytes(Path.Combine(folder, $"kspace-{Case}.npy")));
    }

    [Benchmark(Baseline = true)]
    public double Ours() => CartesianReconstruction.Reconstruct(_kspace)[0].Pixels[0];

    [Benchmark]
    public double MathNet()
    {
        var (rows, columns, coils) = (_kspace.Rows, _kspace.Columns, _kspace.Coils);
        var pixels = rows * columns;
        var sum = new double[pixels];
        var gate = new object();
        Parallel.For(0, coils, () => new double[pixels], (coil, _, partial) =>
        {
            var image = new Complex[pixels];
            for (var y = 0; y < rows; y++)
            {
                for (var x = 0; x < columns; x++)
                {
                    // ifftshift on the way in.
                    var source = (coil * pixels) + (((y + (rows / 2)) % rows) * columns) + ((x + (columns / 2)) % columns);
                    image[(y * columns) + x] = new Complex(_kspace.Real[source], _kspace.Imaginary[source]);
                }
            }

            // MathNet's managed provider has no 2-D transform: rows, then columns through a gathered copy.
            var row = new Complex[columns];
            for (var y = 0; y < rows; y++)
            {
                Array.Copy(image, y * columns, row, 0, columns);
                Fourier.Inverse(row, FourierOptions.Matlab);
                Array.Copy(row, 0, image, y * columns, columns);
            }

            var column = new Complex[rows];
            for (var x = 0; x < columns; x++)
            {
                for (var y = 0; y < rows; y++)
                {
                    column[y] = image[(y * columns) + x];
                }

                Fourier.Inverse(column, FourierOptions.Matlab);
                for (var y = 0; y < rows; y++)
                {
                    image[(y * columns) + x] = column[y];
                }
            }
            for (var i = 0; i < pixels; i++)
            {
                partial[i] += image[i].Real * image[i].Real + image[i].Imaginary * image[i].Imaginary;
            }

            return partial;
        }, partial =>
        {
            lock (gate)
            {
                for (var i = 0; i < pixels; i++)
                {
                    sum[i] += partial[i];
                }
            }
        });

        // fftshift on the way out.
        var result = new double[pixels];
        for (var y = 0; y < rows; y++)
        {
            for (var x = 0; x < columns; x++)
            {
                result[(((y + (rows / 2)) % rows) * columns) + ((x + (columns / 2)) % columns)] = Math.Sqrt(sum[(y * columns) + x]);
            }
        }

        return result[0];
    }
}
