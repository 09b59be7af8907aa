using Imaging.WorkflowWorker.QualityAnalysis;
using Imaging.WorkflowWorker.Reconstruction;
using Imaging.WorkflowWorker.SeriesAnalysis;

namespace Imaging.WorkflowWorker.Extensions;

/// <summary>What the worker is made of: its ResultsApi client, the three job pipelines, and the consumers that feed them from the bus.</summary>
public static class Extensions
{
    /// <summary>The options, ResultsApi's client and the pipelines: everything a job needs but the bus, so a pipeline also runs without one.</summary>
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<ResultsApiOptions>(ResultsApiOptions.SectionName);
        builder.Services.AddSingleton<ResultsApiToken>();
        builder.Services.AddHttpClient<ResultsApiClient>(client => client.BaseAddress = new Uri("https+http://resultsapi"));

        builder.Services.AddValidatedOptions<ReconstructionOptions>(ReconstructionOptions.SectionName);
        builder.Services.AddValidatedOptions<SeriesAnalysisOptions>(SeriesAnalysisOptions.SectionName);
        builder.Services.AddValidatedOptions<QualityAnalysisOptions>(QualityAnalysisOptions.SectionName);
        builder.Services.AddTransient<ReconstructionPipeline>();
        builder.Services.AddTransient<SeriesAnalysisPipeline>();
        builder.Services.AddTransient<QualitySessionPipeline>();
    }

    /// <summary>The bus and a consumer per job queue, each handing its message to its pipeline.</summary>
    public static void AddJobConsumers(this IHostApplicationBuilder builder) =>
        builder.AddMessageBus("messaging", bus =>
        {
            bus.AddConsumer<RecoJobConsumer>(typeof(RecoJobConsumerDefinition));
            bus.AddConsumer<SeriesAnalysisConsumer>(typeof(SeriesAnalysisConsumerDefinition));
            bus.AddConsumer<QualitySessionConsumer>(typeof(QualitySessionConsumerDefinition));
        });
}
