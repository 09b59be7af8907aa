namespace Imaging.WorkflowWorker.SeriesAnalysis;

/// <summary>A series' statistics, pooled over the pixels of all its slices; SNR and noise are the mean (and worst) over slices.</summary>
public sealed record SeriesFigures(int Slices, long Pixels, double Mean, double StandardDeviation, double Min, double Max, double? MeanSnr, double? MinSnr,
    double? MeanNoiseSd)
{
    public static SeriesFigures From(IReadOnlyList<SliceStatistics> slices)
    {
        (long Count, double Mean, double M2) pooled = (0, 0, 0);
        foreach (var slice in slices.Where(s => s.Pixels > 0))
        {
            pooled = SliceStatistics.Combine(pooled, (slice.Pixels, slice.Mean, slice.StandardDeviation * slice.StandardDeviation * slice.Pixels));
        }

        var snrs = slices.Where(s => s.Snr is not null).Select(s => s.Snr!.Value).ToList();
        var noises = slices.Where(s => s.NoiseSd is not null).Select(s => s.NoiseSd!.Value).ToList();
        var counted = slices.Where(s => s.Pixels > 0).ToList();
        return new SeriesFigures(slices.Count, pooled.Count,
            pooled.Count > 0 ? pooled.Mean : double.NaN,
            pooled.Count > 0 ? Math.Sqrt(pooled.M2 / pooled.Count) : double.NaN,
            counted.Count > 0 ? counted.Min(s => s.Min) : double.NaN,
            counted.Count > 0 ? counted.Max(s => s.Max) : double.NaN,
            snrs.Count > 0 ? snrs.Average() : null,
            snrs.Count > 0 ? snrs.Min() : null,
            noises.Count > 0 ? noises.Average() : null);
    }
}

/// <summary>A key slice and why it was picked.</summary>
public sealed record KeySlice(int Index, IReadOnlyList<string> Reasons);

/// <summary>The outcome of one quality rule.</summary>
public sealed record RuleOutcome(string Name, double? Value, double Limit, bool Passed);

public static class SeriesSelection
{
    /// <summary>
    /// The slices a reader looks at first: the one with the most signal (highest mean), the one of worst quality
    /// (lowest SNR) and the middle one. One slice may be picked for several reasons; the list is in slice order.
    /// </summary>
    public static IReadOnlyList<KeySlice> KeySlices(IReadOnlyList<SliceStatistics> slices)
    {
        if (slices.Count == 0)
        {
            return [];
        }

        var picks = new List<(int Index, string Reason)>
        {
            (slices.Where(s => s.Pixels > 0).DefaultIfEmpty(slices[0]).MaxBy(s => s.Mean)!.Index, "highest mean"),
        };
        if (slices.Where(s => s.Snr is not null).MinBy(s => s.Snr) is { } worst)
        {
            picks.Add((worst.Index, "lowest snr"));
        }

        picks.Add((slices[slices.Count / 2].Index, "middle slice"));
        return [.. picks.GroupBy(p => p.Index).OrderBy(g => g.Key).Select(g => new KeySlice(g.Key, [.. g.Select(p => p.Reason)]))];
    }

    /// <summary>Up to <paramref name="max"/> slice indices spread evenly over the series, first and last included.</summary>
    public static IReadOnlyList<int> Previews(int count, int max) =>
        count <= max
            ? [.. Enumerable.Range(0, count)]
            : max == 1 ? [count / 2] : [.. Enumerable.Range(0, max).Select(j => (int)Math.Round((double)j * (count - 1) / (max - 1), MidpointRounding.AwayFromZero)).Distinct()];

    /// <summary>The configured rules for the series' modality; any failure makes the triage Critical.</summary>
    public static IReadOnlyList<RuleOutcome> Evaluate(QualityRules rules, bool ct, SeriesFigures figures)
    {
        var outcomes = new List<RuleOutcome> { new("min_slices", figures.Slices, rules.MinSlices, figures.Slices >= rules.MinSlices) };
        outcomes.Add(ct
            ? new RuleOutcome("max_ct_noise_hu", figures.MeanNoiseSd, rules.MaxCtNoiseHu, figures.MeanNoiseSd is { } noise && noise <= rules.MaxCtNoiseHu)
            : new RuleOutcome("min_mr_snr", figures.MeanSnr, rules.MinMrSnr, figures.MeanSnr is { } snr && snr >= rules.MinMrSnr));
        return outcomes;
    }
}
