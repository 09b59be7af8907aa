using System.ComponentModel.DataAnnotations;
using Imaging.WorkflowWorker.Jobs;

namespace Imaging.WorkflowWorker.Reconstruction;

/// <summary>Reconstruction jobs (section "Reconstruction"); each job already uses every core for its coils.</summary>
public sealed class ReconstructionOptions : JobQueueOptions
{
    public const string SectionName = "Reconstruction";

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
