using System.Text.Json;
using Imaging.Dicom;
using Imaging.TestSupport;
using Imaging.WorkflowWorker.SeriesAnalysis;

namespace WorkflowWorker.Tests;

/// <summary>
/// The series analysis against numpy: series written by pydicom (signed and 12-bit CT, padding, MONOCHROME1, a
/// multi-frame instance, big-endian MR with junk above High Bit) read by our reader, measured by our statistics and
/// rendered by our window, compared with what numpy computes from pydicom's pixels on the same files.
/// </summary>
public sealed class SeriesAnalysisTests : IDisposable
{
    private static readonly string Oracle = Path.Combine(AppContext.BaseDirectory, "Oracle", "series_stats.py");
    private readonly string _folder = Directory.CreateTempSubdirectory("series-oracle-").FullName;

    public SeriesAnalysisTests() => Run("write", _folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("ct-signed-1.dcm", "ct-signed-2.dcm", "ct-signed-3.dcm", "ct-signed-4.dcm")]
    [InlineData("ct-mono1-multiframe.dcm")]
    [InlineData("mr-1.dcm", "mr-2.dcm", "mr-3.dcm")]
    [InlineData("mr-bigendian-12bit.dcm")]
    public void Slice_and_series_statistics_match_numpy(params string[] files)
    {
        var ours = new List<SliceStatistics>();
        foreach (var file in files)
        {
            var dataset = DicomFile.Open(Path.Combine(_folder, file)).Dataset;
            var frames = ModalityFrames.Read(dataset);
            var ct = dataset.GetString(DicomTag.Modality) == "CT";
            for (var f = 0; f < frames.Frames.Count; f++)
            {
                ours.Add(SliceStatistics.Compute(ours.Count, file, f + 1, null, frames.Frames[f], frames.Rows, frames.Columns, ct));
            }
        }

        using var oracle = JsonDocument.Parse(Run(["stats", .. files.Select(f => Path.Combine(_folder, f))]));
        var reference = oracle.RootElement.GetProperty("frames").EnumerateArray().ToList();
        Assert.Equal(reference.Count, ours.Count);
        foreach (var (slice, expected) in ours.Zip(reference))
        {
            var what = $"{slice.SopInstanceUid} frame {slice.Frame}";
            Assert.Equal(expected.GetProperty("pixels").GetInt64(), slice.Pixels);
            Close(expected.GetProperty("mean").GetDouble(), slice.Mean, what + " mean");
            Close(expected.GetProperty("std").GetDouble(), slice.StandardDeviation, what + " sd");
            Assert.Equal(expected.GetProperty("min").GetDouble(), slice.Min);
            Assert.Equal(expected.GetProperty("max").GetDouble(), slice.Max);
            Close(expected.GetProperty("centre_mean").GetDouble(), slice.CentreMean, what + " centre mean");
            Close(expected.GetProperty("noise").GetDouble(), slice.NoiseSd!.Value, what + " noise");
            Close(expected.GetProperty("snr").GetDouble(), slice.Snr!.Value, what + " snr");
            if (expected.GetProperty("bands").ValueKind == JsonValueKind.Null)
            {
                Assert.Null(slice.Hounsfield);
            }
            else
            {
                var bands = expected.GetProperty("bands");
                Assert.Equal(bands.GetProperty("air").GetDouble(), slice.Hounsfield!.Air, 12);
                Assert.Equal(bands.GetProperty("fat").GetDouble(), slice.Hounsfield.Fat, 12);
                Assert.Equal(bands.GetProperty("soft_tissue").GetDouble(), slice.Hounsfield.SoftTissue, 12);
                Assert.Equal(bands.GetProperty("bone").GetDouble(), slice.Hounsfield.Bone, 12);
            }
        }

        var series = SeriesFigures.From(ours);
        var pooled = oracle.RootElement.GetProperty("series");
        Assert.Equal(pooled.GetProperty("pixels").GetInt64(), series.Pixels);
        Close(pooled.GetProperty("mean").GetDouble(), series.Mean, "series mean");
        Close(pooled.GetProperty("std").GetDouble(), series.StandardDeviation, "series sd");
        Assert.Equal(pooled.GetProperty("min").GetDouble(), series.Min);
        Assert.Equal(pooled.GetProperty("max").GetDouble(), series.Max);
    }

    [Theory]
    [InlineData("ct-signed-2.dcm", 40, 400)]
    [InlineData("ct-mono1-multiframe.dcm", -500, 1200)]
    [InlineData("mr-1.dcm", 210.25, 401.5)]
    public void Previews_are_the_linear_window_numpy_computes(string file, double center, double width)
    {
        var frames = ModalityFrames.Read(DicomFile.Open(Path.Combine(_folder, file)).Dataset);
        var expected = JsonSerializer.Deserialize<int[][]>(Run("render", center.ToString(System.Globalization.CultureInfo.InvariantCulture),
            width.ToString(System.Globalization.CultureInfo.InvariantCulture), Path.Combine(_folder, file)))!;
        var window = new PreviewWindow(center, width, "test");
        Assert.Equal(expected.Length, frames.Frames.Count);
        for (var f = 0; f < expected.Length; f++)
        {
            var ours = window.Render(frames.Frames[f], frames.Monochrome1);
            Assert.Equal(expected[f].Select(v => (byte)v).ToArray(), ours);
        }
    }

    [Fact]
    public void Colour_and_compressed_pixel_data_are_refused_with_a_reason()
    {
        var colour = Assert.Throws<NotSupportedException>(() => ModalityFrames.Read(DicomFile.Open(Path.Combine(_folder, "rgb.dcm")).Dataset));
        Assert.Contains("grayscale", colour.Message, StringComparison.Ordinal);

        var compressed = Path.Combine(_folder, "rle.dcm");
        RunTool("dcmcrle", Path.Combine(_folder, "mr-1.dcm"), compressed);
        var encapsulated = Assert.Throws<NotSupportedException>(() => ModalityFrames.Read(DicomFile.Open(compressed).Dataset));
        Assert.Contains("compressed", encapsulated.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Previews_sample_the_series_evenly_first_and_last_included()
    {
        Assert.Equal([0, 1, 2], SeriesSelection.Previews(3, 64));
        Assert.Equal([0, 3, 6, 9], SeriesSelection.Previews(10, 4));
        Assert.Equal([0, 50, 99], SeriesSelection.Previews(100, 3));
        Assert.Equal([5], SeriesSelection.Previews(10, 1));
    }

    [Fact]
    public void Key_slices_are_the_brightest_the_noisiest_and_the_middle_one()
    {
        static SliceStatistics Slice(int index, double mean, double? snr) => new(index, $"1.2.{index}", 1, index + 1, 100, mean, 1, 0, 1, mean, 1, snr, null);
        var slices = new[] { Slice(0, 10, 50), Slice(1, 30, 40), Slice(2, 20, 5), Slice(3, 15, 60), Slice(4, 12, null) };

        var keys = SeriesSelection.KeySlices(slices);

        Assert.Equal([1, 2], keys.Select(k => k.Index));
        Assert.Equal(["highest mean"], keys[0].Reasons);
        Assert.Equal(["lowest snr", "middle slice"], keys[1].Reasons);
    }

    [Fact]
    public void Quality_rules_hold_values_at_their_limit_and_fail_beyond_it()
    {
        var rules = new QualityRules { MinMrSnr = 10, MaxCtNoiseHu = 25, MinSlices = 2 };
        static SeriesFigures Figures(int slices, double? snr, double? noise) => new(slices, 10, 0, 1, 0, 1, snr, snr, noise);

        Assert.All(SeriesSelection.Evaluate(rules, ct: false, Figures(2, 10, 1)), r => Assert.True(r.Passed, r.Name));
        Assert.All(SeriesSelection.Evaluate(rules, ct: true, Figures(2, 1, 25)), r => Assert.True(r.Passed, r.Name));
        Assert.False(SeriesSelection.Evaluate(rules, ct: false, Figures(2, 9.99, 1)).Single(r => r.Name == "min_mr_snr").Passed);
        Assert.False(SeriesSelection.Evaluate(rules, ct: false, Figures(2, null, 1)).Single(r => r.Name == "min_mr_snr").Passed);
        Assert.False(SeriesSelection.Evaluate(rules, ct: true, Figures(2, 1, 25.01)).Single(r => r.Name == "max_ct_noise_hu").Passed);
        Assert.False(SeriesSelection.Evaluate(rules, ct: true, Figures(1, 1, 5)).Single(r => r.Name == "min_slices").Passed);
    }

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"{what}: numpy {expected}, ours {actual}");

    private static string Run(params string[] arguments) => ExternalTool.Run("/usr/bin/python3", [Oracle, .. arguments]);

    private static string RunTool(string program, params string[] arguments) => ExternalTool.Run(program, arguments);
}
