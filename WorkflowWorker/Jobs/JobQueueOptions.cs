using System.ComponentModel.DataAnnotations;

namespace Imaging.WorkflowWorker.Jobs;

/// <summary>How a job queue is consumed: jobs at once, messages fetched ahead, and the waits between attempts.</summary>
public interface IJobQueueOptions
{
    int ConcurrentJobs { get; }

    int PrefetchCount { get; }

    TimeSpan[] RetryIntervals { get; }
}

/// <summary>The queue settings of a job that takes seconds to minutes: two at once, a few fetched ahead, three retries.</summary>
public abstract class JobQueueOptions : IJobQueueOptions
{
    /// <summary>Jobs one worker runs at once.</summary>
    [Range(1, 64)]
    public int ConcurrentJobs { get; set; } = 2;

    /// <summary>Messages the broker hands this worker ahead of time; low, so a busy worker does not hoard jobs another replica could take.</summary>
    [Range(1, 1000)]
    public int PrefetchCount { get; set; } = 4;

    /// <summary>Waits between attempts for a job that fails for a passing reason (ResultsApi restarting, a network fault).</summary>
    [MinLength(0)]
    public TimeSpan[] RetryIntervals { get; set; } = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15)];
}
