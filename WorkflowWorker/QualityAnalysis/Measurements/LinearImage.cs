using Imaging.WorkflowWorker.QualityAnalysis.Images;

namespace Imaging.WorkflowWorker.QualityAnalysis.Measurements;

/// <summary>
/// An image in linear light: each channel through its tone curve (a table of all 65,536 codes, so a pixel costs a
/// lookup), and luminance Y from the colour space's matrix. Sharpness and geometry are measured on these.
/// </summary>
public sealed class LinearImage
{
    public LinearImage(TargetImage image)
    {
        (Width, Height, Channels) = (image.Width, image.Height, image.Channels);
        var weights = image.Colour.LuminanceWeights;
        var tables = new float[Channels][];
        for (var c = 0; c < Channels; c++)
        {
            var table = tables[c] = new float[65536];
            for (var code = 0; code < table.Length; code++)
            {
                table[code] = (float)image.Colour.ToLinear(c, code / 65535.0);
            }
        }

        Planes = new float[Channels][];
        for (var c = 0; c < Channels; c++)
        {
            Planes[c] = new float[Width * Height];
        }

        Luminance = Channels == 1 ? Planes[0] : new float[Width * Height];
        var samples = image.Samples;
        Parallel.For(0, Height, y =>
        {
            for (var p = y * Width; p < (y + 1) * Width; p++)
            {
                var luminance = 0.0;
                for (var c = 0; c < Channels; c++)
                {
                    var value = tables[c][samples[p * Channels + c]];
                    Planes[c][p] = value;
                    luminance += weights[c] * value;
                }

                Luminance[p] = (float)luminance;
            }
        });
    }

    public int Width { get; }

    public int Height { get; }

    public int Channels { get; }

    /// <summary>Linear light per channel, row by row.</summary>
    public float[][] Planes { get; }

    /// <summary>Luminance Y (the grey plane itself for grey images).</summary>
    public float[] Luminance { get; }
}
