using AppHost.Hosting;
using Microsoft.Extensions.Configuration;

// The application model: what runs, what each part needs, and in which order it starts.
// Reads as an Aspire AppHost; see docs/decisions/0001-own-app-host.md for why it is our own.
var builder = DistributedApplication.CreateBuilder(args);

var postgres = builder.AddPostgres("postgres");
var resultsDb = postgres.AddDatabase("resultsdb");
var importDb = postgres.AddDatabase("importdb");
var redis = builder.AddRedis("redis");
var messaging = builder.AddRabbitMQ("messaging");

var resultsApi = builder.AddProject<Projects.ResultsApi>("resultsapi")
    .WithReference(resultsDb).WaitFor(resultsDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(messaging).WaitFor(messaging)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints();

// The worker calls ResultsApi only to report results, through a resilient client, so it need not wait for it.
builder.AddProject<Projects.WorkflowWorker>("workflowworker")
    .WithReference(messaging).WaitFor(messaging)
    .WithReference(resultsApi)
    .WithHttpHealthCheck("/health")
    .WithReplicas(builder.Configuration.GetValue("WorkflowWorker:Replicas", 1));

builder.AddProject<Projects.ImagingImport>("imagingimport")
    .WithReference(importDb).WaitFor(importDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(resultsApi)
    .WithHttpHealthCheck("/health")
    .WithExternalHttpEndpoints();

builder.Build().Run();

/// <summary>The app host's entry point, named so tests can start it (DistributedApplicationTestingBuilder.CreateAsync&lt;Program&gt;).</summary>
public partial class Program;
