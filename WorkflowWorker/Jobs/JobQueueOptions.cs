namespace Imaging.WorkflowWorker.Jobs;

/// <summary>How a job queue is consumed: jobs at once, messages fetched ahead, and the waits between attempts.</summary>
public interface IJobQueueOptions
{
    int ConcurrentJobs { get; }

    int PrefetchCount { get; }

    TimeSpan[] RetryIntervals { get; }
}
