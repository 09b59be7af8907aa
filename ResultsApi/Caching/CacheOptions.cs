using System.ComponentModel.DataAnnotations;

namespace Imaging.ResultsApi.Caching;

public sealed class CacheOptions
{
    public const string SectionName = "Cache";

    /// <summary>Put before every Redis key, so services (and test classes) sharing one Redis keep apart.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9:._-]{1,64}$")]
    public string KeyPrefix { get; set; } = "resultsapi:";

    /// <summary>How long Redis may take to answer before the service goes on without it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:05")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a finished analysis' results stay cached (they do not change once done).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FinishedResultsFor { get; set; } = TimeSpan.FromMinutes(10);
}
