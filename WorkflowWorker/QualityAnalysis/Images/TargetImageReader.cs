using BitMiracle.LibJpeg.Classic;
using BitMiracle.LibTiff.Classic;
using Imaging.WorkflowWorker.QualityAnalysis.Colour;

namespace Imaging.WorkflowWorker.QualityAnalysis.Images;

/// <summary>
/// Reads the TIFF and JPEG files a digitisation batch is checked with: 8- or 16-bit grey or RGB, striped TIFF (any
/// compression libtiff decodes) and baseline or progressive JPEG, with the embedded ICC profile and stated resolution.
/// Decoding is BitMiracle's LibTiff.NET and LibJpeg.NET; anything else is refused with the reason.
/// </summary>
public static class TargetImageReader
{
    /// <summary>Reads an image, refusing any with more than <paramref name="maxPixels"/> pixels before decoding it.</summary>
    public static TargetImage Read(Stream stream, long maxPixels)
    {
        Span<byte> magic = stackalloc byte[4];
        var read = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        stream.Position = 0;
        return read < 4 ? throw new TargetImageException("The file is too short to be an image.")
            : magic is [(byte)'I', (byte)'I', 42, 0] or [(byte)'M', (byte)'M', 0, 42] ? ReadTiff(stream, maxPixels)
            : magic is [0xFF, 0xD8, 0xFF, _] ? ReadJpeg(stream, maxPixels)
            : throw new TargetImageException("The file is neither TIFF nor JPEG.");
    }

    private static TargetImage ReadTiff(Stream stream, long maxPixels)
    {
        var errors = new TiffErrors();
        errors.Clear();
        Tiff.SetErrorHandler(errors);
        using var tiff = Tiff.ClientOpen("image", "r", stream, new TiffStream())
            ?? throw new TargetImageException($"The TIFF cannot be opened: {errors.Last ?? "no reason given"}.");
        int Field(TiffTag tag, int fallback) => tiff.GetField(tag) is { } value ? value[0].ToInt() : fallback;
        var (width, height) = (Field(TiffTag.IMAGEWIDTH, 0), Field(TiffTag.IMAGELENGTH, 0));
        var (bits, samplesPerPixel) = (Field(TiffTag.BITSPERSAMPLE, 1), Field(TiffTag.SAMPLESPERPIXEL, 1));
        var photometric = (Photometric)Field(TiffTag.PHOTOMETRIC, -1);
        CheckSize(width, height, maxPixels);
        if (bits is not (8 or 16))
        {
            throw new TargetImageException($"The TIFF has {bits} bits per sample; 8 and 16 are measured.");
        }

        var channels = photometric switch
        {
            Photometric.RGB when samplesPerPixel >= 3 => 3,
            Photometric.MINISBLACK => 1,
            _ => throw new TargetImageException($"The TIFF's photometric interpretation is {photometric} with {samplesPerPixel} samples; RGB and grey (min-is-black) are measured."),
        };
        if (tiff.IsTiled() || (samplesPerPixel > 1 && (PlanarConfig)Field(TiffTag.PLANARCONFIG, 1) != PlanarConfig.CONTIG))
        {
            throw new TargetImageException("The TIFF is tiled or stores its channels in separate planes; striped, interleaved TIFFs are measured.");
        }

        var samples = new ushort[(long)width * height * channels];
        var line = new byte[tiff.ScanlineSize()];
        for (var y = 0; y < height; y++)
        {
            if (!tiff.ReadScanline(line, y))
            {
                throw new TargetImageException($"The TIFF could not be read at row {y}: {errors.Last ?? "truncated or corrupt"}.");
            }

            var row = samples.AsSpan(y * width * channels, width * channels);
            for (var x = 0; x < width; x++)
            {
                for (var c = 0; c < channels; c++)
                {
                    var i = x * samplesPerPixel + c;
                    // libtiff hands 16-bit samples over in the machine's byte order.
                    row[x * channels + c] = bits == 8 ? (ushort)(line[i] * 257) : BitConverter.ToUInt16(line, i * 2);
                }
            }
        }

        double? ppi = null;
        if (tiff.GetField(TiffTag.XRESOLUTION) is { } resolution && resolution[0].ToDouble() is > 0 and var rate)
        {
            ppi = (ResUnit)Field(TiffTag.RESOLUTIONUNIT, (int)ResUnit.INCH) switch
            {
                ResUnit.INCH => rate,
                ResUnit.CENTIMETER => rate * 2.54,
                _ => null,
            };
        }

        var profile = tiff.GetField(TiffTag.ICCPROFILE) is { Length: >= 2 } icc ? icc[1].GetBytes() : null;
        return new TargetImage(width, height, channels, samples, bits, ppi, ColourOf(profile, channels));
    }

    private static TargetImage ReadJpeg(Stream stream, long maxPixels)
    {
        var jpeg = new jpeg_decompress_struct(new StrictJpegErrors());
        try
        {
            jpeg.jpeg_stdio_src(stream);
            jpeg.jpeg_save_markers((int)JPEG_MARKER.APP0 + 2, 0xFFFF);
            jpeg.jpeg_read_header(true);
            CheckSize(jpeg.Image_width, jpeg.Image_height, maxPixels);
            var channels = jpeg.Jpeg_color_space == J_COLOR_SPACE.JCS_GRAYSCALE ? 1 : 3;
            if (jpeg.Jpeg_color_space is J_COLOR_SPACE.JCS_CMYK or J_COLOR_SPACE.JCS_YCCK)
            {
                throw new TargetImageException("The JPEG is CMYK; RGB and grey are measured.");
            }

            jpeg.Out_color_space = channels == 1 ? J_COLOR_SPACE.JCS_GRAYSCALE : J_COLOR_SPACE.JCS_RGB;
            jpeg.jpeg_start_decompress();
            var (width, height) = (jpeg.Output_width, jpeg.Output_height);
            var samples = new ushort[(long)width * height * channels];
            var rows = jpeg_common_struct.AllocJpegSamples(width * channels, 1);
            while (jpeg.Output_scanline < height)
            {
                var y = jpeg.Output_scanline;
                if (jpeg.jpeg_read_scanlines(rows, 1) != 1)
                {
                    throw new TargetImageException($"The JPEG ends at row {y} of {height}.");
                }

                var row = samples.AsSpan(y * width * channels, width * channels);
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = (ushort)(rows[0][i] * 257);
                }
            }

            double? ppi = jpeg.Density_unit switch
            {
                DensityUnit.DotsInch when jpeg.X_density > 0 => jpeg.X_density,
                DensityUnit.DotsCm when jpeg.X_density > 0 => jpeg.X_density * 2.54,
                _ => null,
            };
            var profile = JoinIccChunks(jpeg.Marker_list.Where(m => m.Marker == (int)JPEG_MARKER.APP0 + 2).Select(m => m.Data));
            jpeg.jpeg_finish_decompress();
            return new TargetImage(width, height, channels, samples, 8, ppi, ColourOf(profile, channels));
        }
        catch (Exception error) when (error is not TargetImageException)
        {
            throw new TargetImageException($"The JPEG cannot be decoded: {error.Message}", error);
        }
        finally
        {
            jpeg.jpeg_destroy();
        }
    }

    /// <summary>An ICC profile split over APP2 markers: "ICC_PROFILE\0", the chunk's number (from 1), the count, the bytes.</summary>
    private static byte[]? JoinIccChunks(IEnumerable<byte[]> markers)
    {
        var chunks = markers.Where(d => d.Length > 14 && d.AsSpan(0, 12).SequenceEqual("ICC_PROFILE\0"u8)).OrderBy(d => d[12]).ToList();
        if (chunks.Count == 0)
        {
            return null;
        }

        if (chunks.Count != chunks[0][13] || chunks.Select((d, i) => d[12] == i + 1).Any(ok => !ok))
        {
            throw new TargetImageException("The JPEG's embedded ICC profile is incomplete (chunks missing or repeated).");
        }

        return [.. chunks.SelectMany(d => d.Skip(14))];
    }

    private static ColourSpace ColourOf(byte[]? profile, int channels)
    {
        if (profile is null)
        {
            return channels == 1 ? ColourSpace.SrgbGrey : ColourSpace.Srgb;
        }

        var space = ColourSpace.FromProfile(IccProfile.Parse(profile));
        return space.IsGrey == (channels == 1)
            ? space
            : throw new TargetImageException($"The image has {channels} channel(s) but its embedded profile is for {(space.IsGrey ? "grey" : "RGB")}.");
    }

    private static void CheckSize(long width, long height, long maxPixels)
    {
        if (width <= 0 || height <= 0)
        {
            throw new TargetImageException("The image states no size.");
        }

        if (width * height > maxPixels)
        {
            throw new TargetImageException($"The image is {width}×{height} pixels; at most {maxPixels / 1e6:0.#} megapixels are measured.");
        }
    }

    /// <summary>libjpeg only warns of corrupt or missing data and fills in grey; a measurement must not see made-up pixels.</summary>
    private sealed class StrictJpegErrors : jpeg_error_mgr
    {
        public override void emit_message(int msg_level)
        {
            if (msg_level < 0)
            {
                throw new TargetImageException($"The JPEG is corrupt or truncated: {format_message()}.");
            }
        }
    }

    /// <summary>libtiff reports its errors through a handler (by default to the console); this keeps the last one for the reason.</summary>
    private sealed class TiffErrors : TiffErrorHandler
    {
        [ThreadStatic]
        private static string? _last;

        public string? Last => _last;

        public void Clear() => _last = null;

        public override void ErrorHandler(Tiff tif, string method, string format, params object[] args) => _last = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args);

        public override void ErrorHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args) => ErrorHandler(tif, method, format, args);

        public override void WarningHandler(Tiff tif, string method, string format, params object[] args)
        {
        }

        public override void WarningHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
        {
        }
    }
}
