using Imaging.WorkflowWorker.Jobs;
using MassTransit;

namespace Imaging.WorkflowWorker.QualityAnalysis;

/// <summary>Takes a QualitySessionJob off the bus and runs it through <see cref="QualitySessionPipeline"/>, which reports to ResultsApi.</summary>
public sealed class QualitySessionConsumer(QualitySessionPipeline pipeline, IOptions<QualityAnalysisOptions> options) : IConsumer<QualitySessionJob>
{
    public Task Consume(ConsumeContext<QualitySessionJob> context) =>
        pipeline.RunAsync(context.Message, lastAttempt: context.GetRetryAttempt() >= options.Value.RetryIntervals.Length, context.CancellationToken);
}

/// <summary>The queue quality_sessions, with the concurrency, prefetch and retries of QualityAnalysisOptions.</summary>
public sealed class QualitySessionConsumerDefinition(IOptions<QualityAnalysisOptions> options)
    : JobConsumerDefinition<QualitySessionConsumer>("quality_sessions", options.Value);
