using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Imaging.Dicom;

// dotnet run -c Release -- generate <dir>      writes the benchmark's MR and CT instances
// dotnet run -c Release -- <BenchmarkDotNet arguments>   with DICOM_BENCH_DIR pointing at that folder
if (args.Length == 2 && args[0] == "generate")
{
    Corpus.Generate(args[1]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(ParseBenchmarks).Assembly).Run(args);

/// <summary>Reading a folder of typical MR (256×256) and CT (512×512) instances: up to the pixel data (to index them), and whole.</summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class ParseBenchmarks
{
    private string[] _files = [];

    [Params("MR", "CT")]
    public string Modality { get; set; } = "MR";

    [GlobalSetup]
    public void Setup()
    {
        var folder = Environment.GetEnvironmentVariable("DICOM_BENCH_DIR") ?? throw new InvalidOperationException("Set DICOM_BENCH_DIR.");
        _files = [.. Directory.GetFiles(folder, $"{Modality.ToLowerInvariant()}-*.dcm").Order(StringComparer.Ordinal)];
    }

    /// <summary>What indexing needs: the identifying attributes, stopping before the pixel data.</summary>
    [Benchmark]
    public int ParseToIndex()
    {
        var found = 0;
        var options = new DicomReaderOptions { StopAt = DicomTag.PixelData };
        foreach (var file in _files)
        {
            var dataset = DicomFile.Open(file, options).Dataset;
            found += (dataset.GetString(DicomTag.SOPInstanceUID)?.Length ?? 0) + (dataset.GetString(DicomTag.SeriesInstanceUID)?.Length ?? 0)
                + (dataset.GetString(DicomTag.StudyInstanceUID)?.Length ?? 0);
        }

        return found;
    }

    /// <summary>Every element parsed, values over 64 KiB (the pixel data) left on disk until used.</summary>
    [Benchmark]
    public long FullParseDeferred()
    {
        long bytes = 0;
        var options = new DicomReaderOptions { DeferValuesLargerThan = 64 * 1024 };
        foreach (var file in _files)
        {
            bytes += DicomFile.Open(file, options).Dataset.GetElement(DicomTag.PixelData)!.Length;
        }

        return bytes;
    }

    /// <summary>Every element, pixel data loaded into memory.</summary>
    [Benchmark]
    public long FullParse()
    {
        long bytes = 0;
        var options = new DicomReaderOptions { DeferValuesLargerThan = long.MaxValue };
        foreach (var file in _files)
        {
            bytes += DicomFile.Open(file, options).Dataset.GetElement(DicomTag.PixelData)!.Length;
        }

        return bytes;
    }
}

internal static class Corpus
{
    public static void Generate(string folder)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(42);
        var study = new PatientStudy("BENCH-1", "Bench^Mark", DicomUid.Generate(), DateTimeOffset.UnixEpoch.AddYears(56), "ACC-1", "1", "Benchmark study");
        foreach (var (modality, size, count) in new[] { ("MR", 256, 40), ("CT", 512, 20) })
        {
            var series = new ImageSeries(DicomUid.Generate(), 1, modality, $"{modality} series");
            for (var i = 0; i < count; i++)
            {
                var pixels = new ushort[size * size];
                for (var p = 0; p < pixels.Length; p++)
                {
                    pixels[p] = (ushort)random.Next(0, 4096);
                }

                var dataset = DicomImages.MRImage(study, series, i + 1, ImagePlane.Axial(0.7, 1.5, i * 1.5, size, size),
                    ImagePixels.Gray16(pixels, size, size, bitsStored: 12), 1, modality == "CT" ? -1024 : 0, DateTimeOffset.UnixEpoch.AddYears(56),
                    new MRAcquisition(EchoTime: 2.5, RepetitionTime: 7.1, MagneticFieldStrength: 3));
                if (modality == "CT")
                {
                    dataset.AddOrUpdate(DicomTag.SOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.2")
                        .AddOrUpdate(DicomTag.Modality, DicomVR.CS, "CT")
                        .AddOrUpdate(DicomTag.KVP, DicomVR.DS, "120")
                        .AddOrUpdate(DicomTag.ConvolutionKernel, DicomVR.SH, "STANDARD");
                }

                // A realistic header carries a few dozen more attributes and a nested sequence or two.
                for (var e = 0; e < 60; e++)
                {
                    dataset.AddOrUpdate(new DicomTag(0x0019, (ushort)(0x1000 + e)), DicomVR.LO, $"private value {e.ToString(CultureInfo.InvariantCulture)}");
                }

                dataset.AddOrUpdate(new DicomTag(0x0019, 0x0010), DicomVR.LO, "BENCH PRIVATE");
                dataset.Add(new DicomSequence(DicomTag.ReferencedImageSequence,
                    [.. Enumerable.Range(0, 3).Select(_ => new DicomDataset()
                        .AddOrUpdate(DicomTag.ReferencedSOPClassUID, DicomVR.UI, "1.2.840.10008.5.1.4.1.1.4")
                        .AddOrUpdate(DicomTag.ReferencedSOPInstanceUID, DicomVR.UI, DicomUid.Generate()))]));
                DicomFile.Create(dataset).Save(Path.Combine(folder, $"{modality.ToLowerInvariant()}-{i:D3}.dcm"));
            }
        }
    }
}
