using System.ComponentModel.DataAnnotations;

namespace Imaging.ImagingImport.Import;

public sealed class ImportOptions
{
    public const string SectionName = "Import";

    /// <summary>A cohort smaller than this is refused (403): small cohorts identify people.</summary>
    [Range(1, 1_000_000)]
    public int MinimumCohortSize { get; set; } = 5;

    /// <summary>Attempts per study before it stays failed (reimport queues it again).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The wait before the second attempt; it doubles for each further one, up to <see cref="MaxBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan FirstBackoff { get; set; } = TimeSpan.FromSeconds(10);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A study processing longer than this is taken as failed: the import hung (the source platform left such studies stuck).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ProcessingWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// An importer's hold on a study, renewed every third of it while the import runs. A study whose hold ran out has lost
    /// its importer (killed, or its machine gone) and is taken as failed and retried without waiting for the window.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:03", "01:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Studies imported at once by this replica, over all projects.</summary>
    [Range(1, 256)]
    public int MaxConcurrentImports { get; set; } = 4;

    /// <summary>Studies imported at once into one project (over the replicas, give or take a race).</summary>
    [Range(1, 256)]
    public int MaxConcurrentPerProject { get; set; } = 2;

    /// <summary>False: this replica answers the API but imports nothing (API-only replicas; tests that run the rounds themselves).</summary>
    public bool ImportInBackground { get; set; } = true;

    /// <summary>The longest wait between rounds; a round also starts as soon as an import ends or studies are queued here.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long the XNAT credentials of a caller who queued studies are kept (in memory only) for their background import.
    /// A study not imported by then fails with a clear error; it is never imported under another account.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CallerIdentityLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>PUT /retrieval/reimport_imaging_project_studies is answered only when this is on.</summary>
    public bool ReimportEnabled { get; set; } = true;

    /// <summary>The key for the subject pseudonyms (HMAC-SHA256 of project and patient id); keep it secret and stable.</summary>
    [Required]
    [MinLength(16)]
    public string PseudonymKey { get; set; } = "";

    /// <summary>Callers send it as X-Service-Key.</summary>
    [Required]
    [MinLength(16)]
    public string ServiceKey { get; set; } = "";
}
