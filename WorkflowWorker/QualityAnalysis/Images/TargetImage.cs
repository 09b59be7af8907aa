using Imaging.WorkflowWorker.QualityAnalysis.Colour;

namespace Imaging.WorkflowWorker.QualityAnalysis.Images;

/// <summary>An image could not be measured: not TIFF or JPEG, unreadable, truncated, too large, or in an unsupported layout.</summary>
public sealed class TargetImageException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A decoded image of a test target: samples interleaved per pixel (grey, or R G B), scaled to 0–65535 whatever the
/// file's bit depth, with the image's colour space and its sampling rate when the file states one.
/// </summary>
public sealed class TargetImage(int width, int height, int channels, ushort[] samples, int bitsPerSample, double? pixelsPerInch, ColourSpace colour)
{
    public int Width { get; } = width;

    public int Height { get; } = height;

    /// <summary>1 (grey) or 3 (RGB).</summary>
    public int Channels { get; } = channels;

    public int BitsPerSample { get; } = bitsPerSample;

    /// <summary>The sampling rate the file states (TIFF resolution, JFIF density), in pixels per inch; null when it states none.</summary>
    public double? PixelsPerInch { get; } = pixelsPerInch;

    public ColourSpace Colour { get; } = colour;

    /// <summary>Row by row, pixel by pixel, channel by channel.</summary>
    public ushort[] Samples { get; } = samples;

    /// <summary>A sample as the encoded value 0 to 1.</summary>
    public double Encoded(int x, int y, int channel) => Samples[(y * Width + x) * Channels + channel] / 65535.0;

    /// <summary>The pixel in CIELAB D50, through the image's colour space.</summary>
    public Lab LabAt(int x, int y) => Channels == 1
        ? Colour.ToLab(Encoded(x, y, 0))
        : Colour.ToLab(Encoded(x, y, 0), Encoded(x, y, 1), Encoded(x, y, 2));
}
