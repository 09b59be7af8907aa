using System.Buffers.Binary;
using System.Text;

namespace Imaging.WorkflowWorker.QualityAnalysis.Colour;

/// <summary>An ICC profile this service cannot use: malformed, or not a matrix/TRC RGB or a grey TRC profile.</summary>
public sealed class IccProfileException(string message) : Exception(message);

/// <summary>
/// The part of an ICC profile (ICC.1:2010) that converts a scanner's or camera's RGB or grey into the XYZ D50 connection
/// space: the matrix/TRC model, i.e. the colorants rXYZ, gXYZ, bXYZ (already adapted to D50) and a tone curve per
/// channel (rTRC, gTRC, bTRC), or a grey profile's kTRC. sRGB, Adobe RGB, ProPhoto, eciRGB and the profiles scanners
/// embed are of this kind; LUT-based profiles (A2B0) are refused with the reason.
/// </summary>
public sealed class IccProfile
{
    private IccProfile(string colourSpace, string description, (double X, double Y, double Z)[] colorants, ToneCurve[] curves)
    {
        (ColourSpace, Description, Colorants, Curves) = (colourSpace, description, colorants, curves);
    }

    /// <summary>"RGB " or "GRAY".</summary>
    public string ColourSpace { get; }

    public string Description { get; }

    /// <summary>Red, green and blue's XYZ under D50 (empty for grey).</summary>
    public IReadOnlyList<(double X, double Y, double Z)> Colorants { get; }

    /// <summary>One curve per channel: R, G, B; or K for grey.</summary>
    public IReadOnlyList<ToneCurve> Curves { get; }

    public static IccProfile Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < 132 || Ascii(data, 36) != "acsp")
        {
            throw new IccProfileException("The embedded colour profile is not an ICC profile (no 'acsp' signature).");
        }

        var declared = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (declared > data.Length || declared < 132)
        {
            throw new IccProfileException($"The ICC profile says it is {declared} bytes long but {data.Length} are there.");
        }

        data = data[..(int)declared];
        var colourSpace = Ascii(data, 16);
        if (Ascii(data, 20) != "XYZ ")
        {
            throw new IccProfileException($"The ICC profile's connection space is '{Ascii(data, 20).Trim()}'; only XYZ (matrix/TRC) profiles are supported.");
        }

        var tags = new Dictionary<string, (int Offset, int Size)>(StringComparer.Ordinal);
        var count = BinaryPrimitives.ReadUInt32BigEndian(data[128..]);
        if (count > 1000 || 132 + count * 12 > data.Length)
        {
            throw new IccProfileException("The ICC profile's tag table runs past its end.");
        }

        for (var i = 0; i < count; i++)
        {
            var entry = data.Slice(132 + i * 12, 12);
            var (offset, size) = (BinaryPrimitives.ReadUInt32BigEndian(entry[4..]), BinaryPrimitives.ReadUInt32BigEndian(entry[8..]));
            if (offset + (long)size > data.Length || size < 8)
            {
                throw new IccProfileException($"The ICC profile's tag '{Ascii(entry, 0)}' runs past its end.");
            }

            tags.TryAdd(Ascii(entry, 0), ((int)offset, (int)size));
        }

        ReadOnlySpan<byte> Tag(ReadOnlySpan<byte> profile, string signature) => tags.TryGetValue(signature, out var t)
            ? profile.Slice(t.Offset, t.Size)
            : throw new IccProfileException($"The ICC profile has no '{signature}' tag; only matrix/TRC profiles are supported.");

        var description = tags.ContainsKey("desc") ? DescriptionText(Tag(data, "desc")) : "";
        return colourSpace switch
        {
            "RGB " => new IccProfile(colourSpace, description,
                [Xyz(Tag(data, "rXYZ")), Xyz(Tag(data, "gXYZ")), Xyz(Tag(data, "bXYZ"))],
                [Curve(Tag(data, "rTRC")), Curve(Tag(data, "gTRC")), Curve(Tag(data, "bTRC"))]),
            "GRAY" => new IccProfile(colourSpace, description, [], [Curve(Tag(data, "kTRC"))]),
            _ => throw new IccProfileException($"The ICC profile is for '{colourSpace.Trim()}' data; only RGB and grey images are supported."),
        };
    }

    private static (double X, double Y, double Z) Xyz(ReadOnlySpan<byte> tag)
    {
        if (Ascii(tag, 0) != "XYZ " || tag.Length < 20)
        {
            throw new IccProfileException("An ICC colorant tag is not of XYZType.");
        }

        return (S15Fixed16(tag[8..]), S15Fixed16(tag[12..]), S15Fixed16(tag[16..]));
    }

    private static ToneCurve Curve(ReadOnlySpan<byte> tag)
    {
        switch (Ascii(tag, 0))
        {
            case "curv":
                var n = tag.Length >= 12 ? BinaryPrimitives.ReadUInt32BigEndian(tag[8..]) : throw new IccProfileException("An ICC curve tag is cut short.");
                if (12 + n * 2L > tag.Length)
                {
                    throw new IccProfileException("An ICC curve tag's table runs past its end.");
                }

                if (n == 0)
                {
                    return ToneCurve.Identity;
                }

                if (n == 1)
                {
                    // A gamma as u8Fixed8Number.
                    return new ToneCurve.Parametric(0, [BinaryPrimitives.ReadUInt16BigEndian(tag[12..]) / 256.0]);
                }

                var entries = new ushort[n];
                for (var i = 0; i < n; i++)
                {
                    entries[i] = BinaryPrimitives.ReadUInt16BigEndian(tag[(12 + i * 2)..]);
                }

                return new ToneCurve.Table(entries);
            case "para":
                var type = tag.Length >= 12 ? BinaryPrimitives.ReadUInt16BigEndian(tag[8..]) : throw new IccProfileException("An ICC parametric curve tag is cut short.");
                var parameters = new double[(tag.Length - 12) / 4];
                for (var i = 0; i < parameters.Length; i++)
                {
                    parameters[i] = S15Fixed16(tag[(12 + i * 4)..]);
                }

                return new ToneCurve.Parametric(type, parameters);
            default:
                throw new IccProfileException($"An ICC tone curve is of type '{Ascii(tag, 0)}', not curv or para.");
        }
    }

    /// <summary>textDescriptionType (v2) or the first record of multiLocalizedUnicodeType (v4).</summary>
    private static string DescriptionText(ReadOnlySpan<byte> tag)
    {
        try
        {
            return Ascii(tag, 0) switch
            {
                "desc" when tag.Length >= 12 => Encoding.ASCII.GetString(tag.Slice(12, (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(tag[8..]), (uint)tag.Length - 12))).TrimEnd('\0'),
                "mluc" when tag.Length >= 28 => Encoding.BigEndianUnicode.GetString(tag.Slice((int)BinaryPrimitives.ReadUInt32BigEndian(tag[24..]), (int)BinaryPrimitives.ReadUInt32BigEndian(tag[20..]))),
                _ => "",
            };
        }
        catch (ArgumentOutOfRangeException)
        {
            return "";
        }
    }

    private static double S15Fixed16(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadInt32BigEndian(bytes) / 65536.0;

    private static string Ascii(ReadOnlySpan<byte> bytes, int at) => Encoding.ASCII.GetString(bytes.Slice(at, 4));
}
