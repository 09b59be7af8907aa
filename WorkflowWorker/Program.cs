using Imaging.WorkflowWorker.QualityAnalysis;
using Imaging.WorkflowWorker.Reconstruction;
using Imaging.WorkflowWorker.SeriesAnalysis;

// The worker serves HTTP only for /health and /alive; its work arrives over the bus.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddValidatedOptions<ReconstructionOptions>(ReconstructionOptions.SectionName);
builder.Services.AddValidatedOptions<ResultsApiOptions>(ResultsApiOptions.SectionName);
builder.Services.AddSingleton<ResultsApiToken>();
builder.Services.AddHttpClient<ResultsApiClient>(client => client.BaseAddress = new Uri("https+http://resultsapi"));
builder.Services.AddValidatedOptions<SeriesAnalysisOptions>(SeriesAnalysisOptions.SectionName);
builder.Services.AddValidatedOptions<QualityAnalysisOptions>(QualityAnalysisOptions.SectionName);
builder.Services.AddTransient<ReconstructionPipeline>();
builder.Services.AddTransient<SeriesAnalysisPipeline>();
builder.Services.AddTransient<QualitySessionPipeline>();
builder.AddMessageBus("messaging", bus =>
{
    bus.AddConsumer<RecoJobConsumer>(typeof(RecoJobConsumerDefinition));
    bus.AddConsumer<SeriesAnalysisConsumer>(typeof(SeriesAnalysisConsumerDefinition));
    bus.AddConsumer<QualitySessionConsumer>(typeof(QualitySessionConsumerDefinition));
});

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();

/// <summary>Named so tests can host the worker.</summary>
public partial class Program;
