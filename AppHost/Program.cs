using AppHost.Demo;
using AppHost.Hosting;
using Microsoft.Extensions.Configuration;

// The application model: what runs, what each part needs, and in which order it starts.
// Reads as an Aspire AppHost; see docs/decisions/0001-own-app-host.md for why it is our own.
var builder = DistributedApplication.CreateBuilder(args);
// Demo data for a newcomer (AppHost:DemoData): on by default in Development, off otherwise, never published.
var demo = builder.Configuration.GetValue("AppHost:DemoData", builder.EnvironmentName == "Development") && !builder.IsPublishing;

var postgres = builder.AddPostgres("postgres");
var resultsDb = postgres.AddDatabase("resultsdb");
var importDb = postgres.AddDatabase("importdb");
var redis = builder.AddRedis("redis");
var messaging = builder.AddRabbitMQ("messaging");

var resultsApi = builder.AddProject<Projects.ResultsApi>("resultsapi")
    // Uploads, DICOM and results: {data}/storage here, a volume shared by every replica when published.
    .WithVolume("storage", target: "/var/lib/imaging/storage", environmentVariable: "Storage__Root")
    // One key for every replica, so a signed result link works whichever replica answers it.
    .WithEnvironment("SignedLinks__Key", builder.AddSecretParameter("resultsapi-signed-links-key"))
    .WithReference(resultsDb).WaitFor(resultsDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(messaging).WaitFor(messaging)
    .WithHttpHealthCheck("/health")
    .WithUrl("/scalar/v1", "API reference")
    .WithExternalHttpEndpoints();

// The worker's service account on ResultsApi: one generated password, kept in the data folder's secrets, given to both.
var workerPassword = builder.AddSecretParameter("workflowworker-password");
resultsApi.WithEnvironment("Bootstrap__WorkerPassword", workerPassword);

// The worker calls ResultsApi only while it runs a job, through a resilient client with retries, so it need not wait for it.
builder.AddProject<Projects.WorkflowWorker>("workflowworker")
    .WithEnvironment("ResultsApi__Password", workerPassword)
    .WithReference(messaging).WaitFor(messaging)
    .WithReference(resultsApi)
    .WithHttpHealthCheck("/health")
    .WithReplicas(builder.Configuration.GetValue("WorkflowWorker:Replicas", 1));

var importServiceKey = builder.AddSecretParameter("imagingimport-service-key");
var imagingImport = builder.AddProject<Projects.ImagingImport>("imagingimport")
    // Callers' key (X-Service-Key) and the key of the subject pseudonyms: generated once, kept in the data folder's secrets.
    .WithEnvironment("Import__ServiceKey", importServiceKey)
    .WithEnvironment("Import__PseudonymKey", builder.AddSecretParameter("imagingimport-pseudonym-key"))
    // XNAT (Xnat:BaseUrl, Username, Password) and the import's tuning (Import:…), as the app host's ImagingImport:Settings.
    .WithConfiguration(builder.Configuration.GetSection("ImagingImport:Settings"))
    .WithReference(importDb).WaitFor(importDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(resultsApi)
    .WithHttpHealthCheck("/health")
    .WithUrl("/scalar/v1", "API reference")
    .WithExternalHttpEndpoints();

// The source PACS the cohorts are read from, over DICOMweb: an existing one (ConnectionStrings:pacs), or an Orthanc
// started here (ImagingImport:LocalPacs, and for the demo), e.g. to try the import without a hospital's PACS.
IResourceBuilder<Resource>? pacs = null;
if (builder.Configuration["ConnectionStrings:pacs"] is { Length: > 0 })
{
    pacs = builder.AddConnectionString("pacs");
    imagingImport.WithReference(pacs);
}
else if (builder.Configuration.GetValue("ImagingImport:LocalPacs", false) || demo)
{
    pacs = builder.AddOrthanc("pacs");
    imagingImport.WithReference(pacs).WaitFor(pacs);
}

// XNAT, where the cohorts go: a real one (ImagingImport:Settings:Xnat:BaseUrl), or for the demo a STAND-IN that follows
// XNAT's documented REST calls (XnatStandIn/), with a generated password and its archive in the data folder.
if (demo && builder.Configuration["ImagingImport:Settings:Xnat:BaseUrl"] is not { Length: > 0 })
{
    var xnatPassword = builder.AddSecretParameter("xnat-standin-password");
    var xnat = builder.AddProject<Projects.XnatStandIn>("xnat-standin")
        .WithEnvironment("XnatStandIn__Password", xnatPassword)
        .WithVolume("xnat-standin", target: "/var/lib/xnat-standin", environmentVariable: "XnatStandIn__DataDirectory")
        .WithHttpHealthCheck("/health");
    imagingImport.WithReference(xnat).WaitFor(xnat)
        .WithEnvironment("Xnat__BaseUrl", "http://xnat-standin")
        .WithEnvironment("Xnat__Username", "admin")
        .WithEnvironment("Xnat__Password", xnatPassword);
}

if (builder.EnvironmentName == "Development")
{
    // A first user to log in with, created by ResultsApi when its database has none; kept in the data folder's secrets.
    var adminPassword = builder.AddSecretParameter("resultsapi-admin-password");
    resultsApi.WithEnvironment("Bootstrap__AdminPassword", adminPassword);
    builder.Notes.Add($"ResultsApi development login: admin / {adminPassword.Resource.Value}  (POST /api/v1/userlogin/login; kept in {builder.Secrets.FilePath})");
}

if (demo)
{
    // The demo job: runs once the services are healthy, makes the demo through their APIs (skipped when it exists), and
    // leaves the walkthrough's files in {data}/demo. Its user is the admin of a source of its own, "demo".
    var demoPassword = builder.AddSecretParameter("resultsapi-demo-password");
    resultsApi.WithEnvironment("Bootstrap__DemoPassword", demoPassword);
    var demoJob = builder.AddProject<Projects.DemoData>("demo-data")
        .RunToCompletion(() => DemoNotes.ApiToken(Path.Combine(builder.DataDirectory, "demo")))
        .WithVolume("demo", target: "/var/lib/imaging/demo", environmentVariable: "Demo__OutputDirectory")
        .WithEnvironment("Demo__Password", demoPassword)
        .WithEnvironment("Demo__ServiceKey", importServiceKey)
        .WithReference(resultsApi).WaitFor(resultsApi)
        .WithReference(imagingImport).WaitFor(imagingImport);
    if (pacs is not null)
    {
        demoJob.WithReference(pacs);
    }

    builder.Notes.Add($"Demo login: demo / {demoPassword.Resource.Value}  (source 'demo'; walkthrough: docs/walkthrough.md; files in {Path.Combine(builder.DataDirectory, "demo")})");
}

builder.Build().Run();

/// <summary>Internal on purpose (the ASP.NET Core generator would make it public): tests find the app host through AppHostAssembly.</summary>
internal partial class Program;
