using Imaging.Contracts.RawData;
using Imaging.WorkflowWorker.Jobs;
using MassTransit;

namespace Imaging.WorkflowWorker.Reconstruction;

/// <summary>Takes a RecoJob off the bus and runs it through <see cref="ReconstructionPipeline"/>, which reports to ResultsApi.</summary>
public sealed class RecoJobConsumer(ReconstructionPipeline pipeline, IOptions<ReconstructionOptions> options) : IConsumer<RecoJob>
{
    public Task Consume(ConsumeContext<RecoJob> context) =>
        pipeline.RunAsync(context.Message, lastAttempt: context.GetRetryAttempt() >= options.Value.RetryIntervals.Length, context.CancellationToken);
}

/// <summary>The queue mri_cartesian_reco, with the concurrency, prefetch and retries of ReconstructionOptions.</summary>
public sealed class RecoJobConsumerDefinition(IOptions<ReconstructionOptions> options)
    : JobConsumerDefinition<RecoJobConsumer>("mri_cartesian_reco", options.Value, typeof(RawDataException));
