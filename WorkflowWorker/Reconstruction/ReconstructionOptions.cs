using System.ComponentModel.DataAnnotations;
using Imaging.WorkflowWorker.Jobs;

namespace Imaging.WorkflowWorker.Reconstruction;

public sealed class ReconstructionOptions : IJobQueueOptions
{
    public const string SectionName = "Reconstruction";

    /// <summary>Jobs one worker runs at once; each already uses every core for its coils.</summary>
    [Range(1, 64)]
    public int ConcurrentJobs { get; set; } = 2;

    /// <summary>Messages the broker hands this worker ahead of time; low, so a busy worker does not hoard jobs another replica could take.</summary>
    [Range(1, 1000)]
    public int PrefetchCount { get; set; } = 4;

    /// <summary>Waits between attempts for a job that fails for a passing reason (ResultsApi restarting, a network fault).</summary>
    [MinLength(0)]
    public TimeSpan[] RetryIntervals { get; set; } = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15)];

    /// <summary>The most complex values a job's k-space may hold, as ResultsApi's upload limit.</summary>
    [Range(1, long.MaxValue)]
    public long MaxRawDataValues { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Least time between two progress reports of a job (the task's percentage), so a fast job costs a call or two and a
    /// slow one still shows it moving. The stages (k-space read, images reconstructed) are always reported.
    /// </summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>In-plane pixel spacing and slice spacing written to the DICOM, in millimetres; raw data here carries no geometry.</summary>
    [Range(0.001, 100)]
    public double PixelSpacing { get; set; } = 1.0;
}
