using System.Text.Json;
using Imaging.TestSupport;
using Imaging.WorkflowWorker.QualityAnalysis.Images;

namespace WorkflowWorker.Tests.QualityAnalysis;

/// <summary>
/// The reader against images Pillow and tifffile write (8- and 16-bit, RGB and grey, LZW and deflate, both byte orders,
/// strips, embedded profiles, resolution in inches and centimetres), and against Pillow's own JPEG decoding; and every
/// kind of file it must refuse, with the reason.
/// </summary>
public sealed class TargetImageReaderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("target-images-").FullName;
    private readonly JsonElement _manifest;

    public TargetImageReaderTests()
    {
        var script = Path.Combine(AppContext.BaseDirectory, "QualityAnalysis", "Oracle", "target_images.py");
        _manifest = JsonDocument.Parse(ExternalTool.Run("/usr/bin/python3", script, _folder)).RootElement;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("rgb8.tif")]
    [InlineData("rgb16.tif")]
    [InlineData("grey16.tif")]
    public void TIFF_samples_size_resolution_and_profile_are_read_exactly_as_written(string name)
    {
        var expected = _manifest.GetProperty(name);
        var image = Read(name);

        Assert.Equal((expected.GetProperty("width").GetInt32(), expected.GetProperty("height").GetInt32(), expected.GetProperty("channels").GetInt32(), expected.GetProperty("bits").GetInt32()),
            (image.Width, image.Height, image.Channels, image.BitsPerSample));
        Assert.Equal(expected.GetProperty("samples").EnumerateArray().Select(v => (ushort)v.GetInt32()), image.Samples);
        AssertResolutionAndProfile(expected, image);
    }

    [Theory]
    [InlineData("rgb.jpg")]
    [InlineData("grey.jpg")]
    public void JPEG_decodes_as_libjpeg_does_give_or_take_the_IDCT_and_keeps_its_profile_and_density(string name)
    {
        var expected = _manifest.GetProperty(name);
        var image = Read(name);
        var pillow = expected.GetProperty("samples").EnumerateArray().Select(v => v.GetInt32() / 257).ToArray();
        var ours = image.Samples.Select(v => v / 257).ToArray();

        Assert.Equal((expected.GetProperty("width").GetInt32(), expected.GetProperty("height").GetInt32(), expected.GetProperty("channels").GetInt32()),
            (image.Width, image.Height, image.Channels));
        Assert.Equal(pillow.Length, ours.Length);
        // LibJpeg.NET (libjpeg 6b) and Pillow's libjpeg-turbo round their inverse DCTs differently: a step or two at most.
        Assert.True(pillow.Zip(ours).All(p => Math.Abs(p.First - p.Second) <= 2), "a sample differs from Pillow's by more than 2");
        Assert.True(pillow.Zip(ours).Average(p => Math.Abs(p.First - p.Second)) < 0.5);
        AssertResolutionAndProfile(expected, image);
    }

    [Theory]
    [InlineData("cmyk.jpg", "CMYK")]
    [InlineData("bilevel.tif", "1 bits per sample")]
    [InlineData("tiled.tif", "tiled")]
    [InlineData("truncated.tif", "The TIFF could not be read at row")]
    [InlineData("truncated.jpg", "corrupt or truncated")]
    [InlineData("mismatch.tif", "embedded profile is for grey")]
    [InlineData("notes.txt", "neither TIFF nor JPEG")]
    public void Files_that_cannot_be_measured_are_refused_with_the_reason(string name, string reason)
    {
        var refused = Assert.Throws<TargetImageException>(() => Read(name));
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_image_over_the_pixel_limit_is_refused_before_it_is_decoded()
    {
        using var file = File.OpenRead(Path.Combine(_folder, "rgb16.tif"));
        var refused = Assert.Throws<TargetImageException>(() => TargetImageReader.Read(file, maxPixels: 62));
        Assert.Equal("The image is 7×9 pixels; at most 0 megapixels are measured.", refused.Message);
    }

    private static void AssertResolutionAndProfile(JsonElement expected, TargetImage image)
    {
        var ppi = expected.GetProperty("ppi");
        if (ppi.ValueKind == JsonValueKind.Null)
        {
            Assert.Null(image.PixelsPerInch);
        }
        else
        {
            Assert.Equal(ppi.GetDouble(), image.PixelsPerInch!.Value, 6);
        }

        var profile = expected.GetProperty("profile").GetString();
        if (profile is null)
        {
            Assert.StartsWith(image.Channels == 1 ? "grey with the sRGB tone curve (assumed" : "sRGB IEC61966-2.1 (assumed", image.Colour.Name, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(profile, image.Colour.Name, StringComparison.Ordinal);
        }
    }

    private TargetImage Read(string name)
    {
        using var file = File.OpenRead(Path.Combine(_folder, name));
        return TargetImageReader.Read(file, maxPixels: 100_000_000);
    }
}
