using Imaging.WorkflowWorker.Jobs;
using MassTransit;

namespace Imaging.WorkflowWorker.SeriesAnalysis;

/// <summary>Takes a SeriesAnalysisJob off the bus and runs it through <see cref="SeriesAnalysisPipeline"/>, which reports to ResultsApi.</summary>
public sealed class SeriesAnalysisConsumer(SeriesAnalysisPipeline pipeline, IOptions<SeriesAnalysisOptions> options) : IConsumer<SeriesAnalysisJob>
{
    public Task Consume(ConsumeContext<SeriesAnalysisJob> context) =>
        pipeline.RunAsync(context.Message, lastAttempt: context.GetRetryAttempt() >= options.Value.RetryIntervals.Length, context.CancellationToken);
}

/// <summary>The queue series_analysis, with the concurrency, prefetch and retries of SeriesAnalysisOptions.</summary>
public sealed class SeriesAnalysisConsumerDefinition(IOptions<SeriesAnalysisOptions> options)
    : JobConsumerDefinition<SeriesAnalysisConsumer>("series_analysis", options.Value);
