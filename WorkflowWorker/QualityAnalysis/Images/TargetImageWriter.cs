using BitMiracle.LibJpeg.Classic;
using BitMiracle.LibTiff.Classic;

namespace Imaging.WorkflowWorker.QualityAnalysis.Images;

/// <summary>Writes a <see cref="TargetImage"/> as TIFF (8 or 16 bits, uncompressed) or baseline JPEG, with its sampling rate.</summary>
public static class TargetImageWriter
{
    public static byte[] Tiff(TargetImage image, int bits = 16)
    {
        if (bits is not (8 or 16))
        {
            throw new ArgumentOutOfRangeException(nameof(bits), "8 or 16 bits per sample.");
        }

        using var buffer = new MemoryStream();
        using (var tiff = BitMiracle.LibTiff.Classic.Tiff.ClientOpen("render", "w", buffer, new TiffStream())!)
        {
            tiff.SetField(TiffTag.IMAGEWIDTH, image.Width);
            tiff.SetField(TiffTag.IMAGELENGTH, image.Height);
            tiff.SetField(TiffTag.SAMPLESPERPIXEL, image.Channels);
            tiff.SetField(TiffTag.BITSPERSAMPLE, bits);
            tiff.SetField(TiffTag.PHOTOMETRIC, image.Channels == 3 ? Photometric.RGB : Photometric.MINISBLACK);
            tiff.SetField(TiffTag.PLANARCONFIG, PlanarConfig.CONTIG);
            tiff.SetField(TiffTag.ROWSPERSTRIP, 16);
            if (image.PixelsPerInch is { } ppi)
            {
                tiff.SetField(TiffTag.XRESOLUTION, ppi);
                tiff.SetField(TiffTag.YRESOLUTION, ppi);
                tiff.SetField(TiffTag.RESOLUTIONUNIT, ResUnit.INCH);
            }

            var rowSamples = image.Width * image.Channels;
            var line = new byte[rowSamples * bits / 8];
            for (var y = 0; y < image.Height; y++)
            {
                var row = image.Samples.AsSpan(y * rowSamples, rowSamples);
                for (var i = 0; i < rowSamples; i++)
                {
                    if (bits == 8)
                    {
                        line[i] = (byte)((row[i] + 128) / 257);
                    }
                    else
                    {
                        BitConverter.TryWriteBytes(line.AsSpan(i * 2), row[i]);
                    }
                }

                tiff.WriteScanline(line, y);
            }

            tiff.Flush();
        }

        return buffer.ToArray();
    }

    public static byte[] Jpeg(TargetImage image, int quality = 95)
    {
        using var buffer = new MemoryStream();
        var jpeg = new jpeg_compress_struct();
        try
        {
            jpeg.jpeg_stdio_dest(buffer);
            jpeg.Image_width = image.Width;
            jpeg.Image_height = image.Height;
            jpeg.Input_components = image.Channels;
            jpeg.In_color_space = image.Channels == 3 ? J_COLOR_SPACE.JCS_RGB : J_COLOR_SPACE.JCS_GRAYSCALE;
            jpeg.jpeg_set_defaults();
            jpeg.jpeg_set_quality(quality, true);
            if (image.PixelsPerInch is { } ppi)
            {
                jpeg.Density_unit = DensityUnit.DotsInch;
                jpeg.X_density = jpeg.Y_density = (short)Math.Round(ppi);
            }

            jpeg.jpeg_start_compress(true);
            var rowSamples = image.Width * image.Channels;
            var rows = jpeg_common_struct.AllocJpegSamples(rowSamples, 1);
            for (var y = 0; y < image.Height; y++)
            {
                for (var i = 0; i < rowSamples; i++)
                {
                    rows[0][i] = (byte)((image.Samples[y * rowSamples + i] + 128) / 257);
                }

                jpeg.jpeg_write_scanlines(rows, 1);
            }

            jpeg.jpeg_finish_compress();
        }
        finally
        {
            jpeg.jpeg_destroy();
        }

        return buffer.ToArray();
    }
}
