using System.Globalization;
using Imaging.TestSupport;
using Imaging.WorkflowWorker.QualityAnalysis.Colour;

namespace WorkflowWorker.Tests.QualityAnalysis;

/// <summary>
/// Colour against oracles no one here wrote: CIEDE2000 against Sharma, Wu and Dalal's 34 published pairs (as shipped with
/// scikit-image) and against scikit-image's own implementation; RGB to CIELAB D50 against LittleCMS (transicc) through the ICC profiles
/// Debian ships, and through LittleCMS's own sRGB for images without a profile.
/// </summary>
public sealed class ColourTests
{
    private const string SharmaData = "/usr/lib/python3/dist-packages/skimage/color/tests/ciede2000_test_data.txt";

    [Fact]
    public void CIEDE2000_matches_every_pair_of_Sharma_Wu_and_Dalal_to_four_decimals()
    {
        var pairs = File.ReadLines(SharmaData).Where(l => !l.StartsWith('#') && l.Trim().Length > 0)
            .Select(l => l.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())
            .ToList();

        Assert.Equal(34, pairs.Count);
        Assert.All(pairs, f =>
        {
            var (first, second, expected) = (new Lab(f[2], f[3], f[4]), new Lab(f[17], f[18], f[19]), f[15]);
            Assert.Equal(expected, ColourDifference.DeltaE2000(first, second), 4);
            // The formula is symmetric: the published value holds either way round.
            Assert.Equal(expected, ColourDifference.DeltaE2000(second, first), 4);
        });
    }

    [Fact]
    public void CIEDE2000_and_CIE76_match_scikit_image_on_random_pairs()
    {
        var random = new Random(19264);
        var pairs = Enumerable.Range(0, 200).Select(_ => (RandomLab(random), RandomLab(random))).ToList();
        var script = """
            import sys
            import numpy
            from skimage.color import deltaE_ciede2000, deltaE_cie76
            v = numpy.array([[float(x) for x in line.split()] for line in sys.stdin if line.strip()])
            for e2000, e76 in zip(deltaE_ciede2000(v[:, :3], v[:, 3:]), deltaE_cie76(v[:, :3], v[:, 3:])):
                print(repr(float(e2000)), repr(float(e76)))
            """;
        var input = string.Join('\n', pairs.Select(p => Invariant($"{p.Item1.L:R} {p.Item1.A:R} {p.Item1.B:R} {p.Item2.L:R} {p.Item2.A:R} {p.Item2.B:R}")));
        var expected = ExternalTool.RunWithInput(input, "/usr/bin/python3", "-c", script).Split('\n');

        for (var i = 0; i < pairs.Count; i++)
        {
            var v = expected[i].Split(' ').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(v[0], ColourDifference.DeltaE2000(pairs[i].Item1, pairs[i].Item2), 1e-9);
            Assert.Equal(v[1], ColourDifference.DeltaE76(pairs[i].Item1, pairs[i].Item2), 1e-9);
        }
    }

    [Fact]
    public void The_CIE76_components_add_up_and_name_the_direction_of_the_difference()
    {
        var (measured, reference) = (new Lab(52, 10, 25), new Lab(50, 12, 20));
        var (dl, dc, dh) = (ColourDifference.DeltaL(measured, reference), ColourDifference.DeltaC(measured, reference), ColourDifference.DeltaH(measured, reference));

        Assert.Equal(2, dl, 12);
        Assert.Equal(measured.Chroma - reference.Chroma, dc, 12);
        Assert.Equal(ColourDifference.DeltaE76(measured, reference), Math.Sqrt(dl * dl + dc * dc + dh * dh), 12);
        // The measured hue turned towards +b* (clockwise seen from +L*: negative a*b* cross product): ΔH is positive.
        Assert.True(measured.Hue > reference.Hue && dh > 0);
        Assert.Equal(-dh, ColourDifference.DeltaH(reference, measured), 12);
    }

    public static TheoryData<string> RgbProfiles() =>
    [
        "/usr/share/color/icc/colord/sRGB.icc",
        "/usr/share/color/icc/colord/AdobeRGB1998.icc",
        "/usr/share/color/icc/colord/ProPhotoRGB.icc",
        "/usr/share/color/icc/colord/ECI-RGBv2.icc",
        "/usr/share/color/icc/colord/WideGamutRGB.icc",
        "/usr/share/color/icc/ghostscript/a98.icc",
        "/usr/share/color/icc/ghostscript/srgb.icc",
    ];

    [Theory]
    [MemberData(nameof(RgbProfiles))]
    public void RGB_through_an_embedded_profile_gives_the_CIELAB_LittleCMS_gives(string profile)
    {
        var space = ColourSpace.FromProfile(IccProfile.Parse(File.ReadAllBytes(profile)));
        AssertMatchesLittleCms(space, profile);
    }

    [Fact]
    public void RGB_without_a_profile_is_taken_as_sRGB_as_LittleCMS_builds_it()
    {
        AssertMatchesLittleCms(ColourSpace.Srgb, "*sRGB");
    }

    [Fact]
    public void Grey_through_a_grey_profile_gives_the_CIELAB_LittleCMS_gives()
    {
        const string profile = "/usr/share/color/icc/ghostscript/sgray.icc";
        var space = ColourSpace.FromProfile(IccProfile.Parse(File.ReadAllBytes(profile)));
        var values = Enumerable.Range(0, 52).Select(i => i * 5.0).ToList();
        var lab = Transicc(profile, string.Join('\n', values.Select(v => Invariant($"{v}"))));
        for (var i = 0; i < values.Count; i++)
        {
            var ours = space.ToLab(values[i] / 255);
            Assert.True(ColourDifference.DeltaE76(ours, lab[i]) < 0.01, $"grey {values[i]}: ours {ours}, LittleCMS {lab[i]}");
        }
    }

    [Fact]
    public void Profiles_that_are_not_matrix_TRC_RGB_or_grey_are_refused_with_the_reason()
    {
        var cmyk = Assert.Throws<IccProfileException>(() => IccProfile.Parse(File.ReadAllBytes("/usr/share/color/icc/ghostscript/default_cmyk.icc")));
        var lab = Assert.Throws<IccProfileException>(() => IccProfile.Parse(File.ReadAllBytes("/usr/share/color/icc/ghostscript/lab.icc")));
        var cut = Assert.Throws<IccProfileException>(() => IccProfile.Parse(File.ReadAllBytes("/usr/share/color/icc/colord/sRGB.icc").AsSpan(0, 200)));
        var junk = Assert.Throws<IccProfileException>(() => IccProfile.Parse(new byte[400]));

        Assert.Contains("only", cmyk.Message, StringComparison.Ordinal);
        Assert.Contains("only", lab.Message, StringComparison.Ordinal);
        Assert.Contains("bytes long", cut.Message, StringComparison.Ordinal);
        Assert.Contains("not an ICC profile", junk.Message, StringComparison.Ordinal);
    }

    private static void AssertMatchesLittleCms(ColourSpace space, string profile)
    {
        var random = new Random(profile.Length);
        // The corners and the neutral axis, and random colours, in 8-bit code values with fractions (as 16-bit data gives).
        var rgb = new List<double[]> { new[] { 0.0, 0, 0 }, new[] { 255.0, 255, 255 }, new[] { 255.0, 0, 0 }, new[] { 0.0, 255, 0 }, new[] { 0.0, 0, 255 }, new[] { 128.0, 128, 128 }, new[] { 10.0, 10, 10 } };
        rgb.AddRange(Enumerable.Range(0, 150).Select(_ => new[] { Math.Round(random.NextDouble() * 255, 2), Math.Round(random.NextDouble() * 255, 2), Math.Round(random.NextDouble() * 255, 2) }));
        var lab = Transicc(profile, string.Join('\n', rgb.Select(c => Invariant($"{c[0]} {c[1]} {c[2]}"))));

        for (var i = 0; i < rgb.Count; i++)
        {
            var ours = space.ToLab(rgb[i][0] / 255, rgb[i][1] / 255, rgb[i][2] / 255);
            // LittleCMS evaluates tone curves in 16 bits and prints four decimals: 0.02 is the agreement it allows in the darkest steps.
            Assert.True(ColourDifference.DeltaE76(ours, lab[i]) < 0.02, $"RGB {string.Join(',', rgb[i])}: ours {ours}, LittleCMS {lab[i]}");
        }
    }

    /// <summary>LittleCMS's transicc, relative colorimetric, to its built-in Lab D50, four decimals per value.</summary>
    private static List<Lab> Transicc(string profile, string input) =>
        [.. ExternalTool.RunWithInput(input + "\n", "transicc", "-i", profile, "-o", "*Lab", "-t", "1", "-n").Split('\n')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(v => v.Length == 3 && v.All(x => double.TryParse(x, CultureInfo.InvariantCulture, out _)))
            .Select(v => new Lab(double.Parse(v[0], CultureInfo.InvariantCulture), double.Parse(v[1], CultureInfo.InvariantCulture), double.Parse(v[2], CultureInfo.InvariantCulture)))];

    private static Lab RandomLab(Random random) => new(random.NextDouble() * 100, random.NextDouble() * 200 - 100, random.NextDouble() * 200 - 100);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
