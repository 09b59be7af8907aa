using Imaging.WorkflowWorker.Extensions;

// The worker serves HTTP only for /health and /alive; its work arrives over the bus. Its parts: Extensions/Extensions.cs.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddJobConsumers();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();

/// <summary>Named so tests can host the worker.</summary>
public partial class Program;
