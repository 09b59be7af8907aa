using Imaging.WorkflowWorker;
using Imaging.WorkflowWorker.QualityAnalysis;
using Imaging.WorkflowWorker.Reconstruction;
using Imaging.WorkflowWorker.ResultsApi;
using Imaging.WorkflowWorker.SeriesAnalysis;

// The worker serves HTTP only for /health and /alive; its work arrives over the bus.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddOptions<ReconstructionOptions>().BindConfiguration(ReconstructionOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddOptions<ResultsApiOptions>().BindConfiguration(ResultsApiOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton<ResultsApiToken>();
builder.Services.AddHttpClient<ResultsApiClient>(client => client.BaseAddress = new Uri("https+http://resultsapi"));
builder.Services.AddOptions<SeriesAnalysisOptions>().BindConfiguration(SeriesAnalysisOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddOptions<QualityAnalysisOptions>().BindConfiguration(QualityAnalysisOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
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
