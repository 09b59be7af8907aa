using MassTransit;

namespace Imaging.WorkflowWorker.Jobs;

/// <summary>
/// A job queue's name, concurrency, prefetch and retries, from the concern's <see cref="IJobQueueOptions"/>. Exceptions
/// of <paramref name="permanentFaults"/> are not retried: the job fails at once.
/// </summary>
public abstract class JobConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer> where TConsumer : class, IConsumer
{
    private readonly IJobQueueOptions _options;
    private readonly Type[] _permanentFaults;

    protected JobConsumerDefinition(string queue, IJobQueueOptions options, params Type[] permanentFaults)
    {
        _options = options;
        _permanentFaults = permanentFaults;
        EndpointName = queue;
        ConcurrentMessageLimit = options.ConcurrentJobs;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = _options.PrefetchCount;
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Ignore(_permanentFaults);
            retry.Intervals(_options.RetryIntervals);
        });
    }
}
