namespace Imaging.WorkflowWorker.SeriesAnalysis;

/// <summary>Fractions of a CT slice's pixels in the usual tissue bands of the Hounsfield scale.</summary>
public sealed record HounsfieldBands(double Air, double Fat, double SoftTissue, double Bone)
{
    public const double AirBelow = -900;
    public const double FatFrom = -150;
    public const double FatTo = -30;
    public const double SoftTissueTo = 100;
    public const double BoneFrom = 300;
}

/// <summary>
/// The statistics of one slice, over its pixels that are not padding (modality values: HU for CT). The SNR is the
/// two-region estimate: signal from a centre square a quarter of the image wide, noise from the four corner squares an
/// eighth wide. For MR magnitude images the background is Rayleigh distributed, so σ = SD(background) / 0.655 (NEMA
/// MS 1); for CT, where the air around the patient is clipped, the noise is the SD of the centre region and the signal
/// its attenuation above air (mean + 1000 HU). Null when the noise is zero or a region has no pixels.
/// </summary>
public sealed record SliceStatistics(int Index, string SopInstanceUid, int Frame, int? InstanceNumber, long Pixels, double Mean, double StandardDeviation,
    double Min, double Max, double CentreMean, double? NoiseSd, double? Snr, HounsfieldBands? Hounsfield)
{
    /// <summary>NEMA MS 1: the SD of Rayleigh-distributed magnitude background is 0.655 σ.</summary>
    public const double RayleighFactor = 0.655;

    public const double AirHu = -1000;

    public static SliceStatistics Compute(int index, string sopInstanceUid, int frame, int? instanceNumber, ReadOnlySpan<float> values, int rows, int columns, bool ct)
    {
        var (count, mean, m2, min, max) = Moments(values);
        var smaller = Math.Min(rows, columns);
        var corner = Math.Max(2, smaller / 8);
        var centre = Math.Max(2, smaller / 4);
        var centreMoments = Region(values, columns, (rows - centre) / 2, (columns - centre) / 2, centre, centre);
        var background = Combine(
            Combine(Region(values, columns, 0, 0, corner, corner), Region(values, columns, 0, columns - corner, corner, corner)),
            Combine(Region(values, columns, rows - corner, 0, corner, corner), Region(values, columns, rows - corner, columns - corner, corner, corner)));
        double? noise;
        double? snr;
        if (ct)
        {
            noise = centreMoments.Count > 1 ? Math.Sqrt(centreMoments.M2 / centreMoments.Count) : null;
            snr = noise > 0 ? (centreMoments.Mean - AirHu) / noise : null;
        }
        else
        {
            var backgroundSd = background.Count > 1 ? Math.Sqrt(background.M2 / background.Count) : 0;
            noise = background.Count > 1 ? backgroundSd / RayleighFactor : null;
            snr = backgroundSd > 0 && centreMoments.Count > 0 ? RayleighFactor * centreMoments.Mean / backgroundSd : null;
        }

        return new SliceStatistics(index, sopInstanceUid, frame, instanceNumber, count, count > 0 ? mean : double.NaN,
            count > 0 ? Math.Sqrt(m2 / count) : double.NaN, min, max, centreMoments.Count > 0 ? centreMoments.Mean : double.NaN, noise, snr,
            ct ? Bands(values, count) : null);
    }

    /// <summary>Count, mean, sum of squared deviations (Welford), min and max of the finite values.</summary>
    public static (long Count, double Mean, double M2, double Min, double Max) Moments(ReadOnlySpan<float> values)
    {
        long count = 0;
        double mean = 0, m2 = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (var value in values)
        {
            if (!float.IsFinite(value))
            {
                continue;
            }

            count++;
            var delta = value - mean;
            mean += delta / count;
            m2 += delta * (value - mean);
            min = Math.Min(min, value);
            max = Math.Max(max, value);
        }

        return (count, mean, m2, min, max);
    }

    /// <summary>Merges the moments of two sets (Chan et al.), so a series' SD comes from its slices without a second pass.</summary>
    public static (long Count, double Mean, double M2) Combine((long Count, double Mean, double M2) a, (long Count, double Mean, double M2) b)
    {
        if (a.Count == 0)
        {
            return b;
        }

        if (b.Count == 0)
        {
            return a;
        }

        var count = a.Count + b.Count;
        var delta = b.Mean - a.Mean;
        return (count, a.Mean + delta * b.Count / count, a.M2 + b.M2 + delta * delta * a.Count * b.Count / count);
    }

    private static (long Count, double Mean, double M2) Region(ReadOnlySpan<float> values, int columns, int top, int left, int height, int width)
    {
        (long Count, double Mean, double M2) total = (0, 0, 0);
        for (var row = top; row < top + height; row++)
        {
            var (count, mean, m2, _, _) = Moments(values.Slice(row * columns + left, width));
            total = Combine(total, (count, mean, m2));
        }

        return total;
    }

    private static HounsfieldBands Bands(ReadOnlySpan<float> values, long count)
    {
        long air = 0, fat = 0, soft = 0, bone = 0;
        foreach (var value in values)
        {
            if (!float.IsFinite(value))
            {
                continue;
            }

            if (value < HounsfieldBands.AirBelow)
            {
                air++;
            }
            else if (value >= HounsfieldBands.FatFrom && value <= HounsfieldBands.FatTo)
            {
                fat++;
            }
            else if (value > HounsfieldBands.FatTo && value <= HounsfieldBands.SoftTissueTo)
            {
                soft++;
            }
            else if (value >= HounsfieldBands.BoneFrom)
            {
                bone++;
            }
        }

        double Fraction(long n) => count > 0 ? (double)n / count : 0;
        return new HounsfieldBands(Fraction(air), Fraction(fat), Fraction(soft), Fraction(bone));
    }
}
