// The worker serves HTTP only for /health and /alive; its work arrives over the bus.
var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddMessageBus("messaging");
builder.Services.AddHttpClient("resultsapi", client => client.BaseAddress = new Uri("https+http://resultsapi"));

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();

/// <summary>Named so tests can host the worker.</summary>
public partial class Program;
