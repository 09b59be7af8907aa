using System.ComponentModel.DataAnnotations;

namespace Imaging.ResultsApi.QualitySessions;

public sealed class QualitySessionOptions
{
    public const string SectionName = "QualitySessions";

    /// <summary>
    /// The most parts one upload may hold: the two target images and the batch. A batch is checked by its targets, so
    /// a larger batch is better split into sessions than sent as one.
    /// </summary>
    [Range(3, 100_000)]
    public int MaxParts { get; set; } = 500;
}
