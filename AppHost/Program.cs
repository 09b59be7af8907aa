using AppHost.Demo;
using AppHost.Model;
using AppHost.Publishing;
using AppHost.Servers;
using AppHost.Startup;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

// The application model on Aspire's SDK: what runs, what each part needs, and in which order it starts.
// A missing server binary or a broken data folder stops the app host before anything starts, saying what to do.
try
{
    return await RunAsync(args);
}
catch (DistributedApplicationException refused)
{
    Console.Error.WriteLine($"error: {refused.Message}");
    return 1;
}

static async Task<int> RunAsync(string[] args)
{
    // `publish --output DIR --target compose|kubernetes|manifest` builds the model in publish mode and writes it for that platform.
    var publish = PublishCommand.Parse(args);
    var builder = DistributedApplication.CreateBuilder(publish?.AspireArguments ?? args);
    // Demo data for a newcomer (AppHost:DemoData): on by default in Development, off otherwise, never published.
    var demo = builder.Configuration.GetValue("AppHost:DemoData", builder.Environment.IsDevelopment()) && builder.ExecutionContext.IsRunMode;

    var servers = AppServers.For(builder);
    var postgres = servers.AddPostgres("postgres");
    var resultsDb = postgres.AddDatabase("resultsdb");
    var importDb = postgres.AddDatabase("importdb");
    var redis = servers.AddRedis("redis");
    var messaging = servers.AddRabbitMQ("messaging");

    const string StorageFolder = "storage", StorageTarget = "/var/lib/imaging/storage";
    var resultsApi = builder.AddProject<Projects.ResultsApi>("resultsapi")
        // Uploads, DICOM and results: {data}/storage here, a volume shared by every replica when published.
        .WithDataFolder(StorageFolder, target: StorageTarget, environmentVariable: "Storage__Root", servers.DataDirectory)
        // One key for every replica, so a signed result link works whichever replica answers it.
        .WithEnvironment("SignedLinks__Key", builder.AddSecret("resultsapi-signed-links-key"))
        // ResultsApi's own configuration (such as FileFront:Enabled), as the app host's ResultsApi:Settings.
        .WithConfiguration(builder.Configuration.GetSection("ResultsApi:Settings"))
        .WithReference(resultsDb).WaitFor(resultsDb)
        .WithReference(redis).WaitFor(redis)
        .WithReference(messaging).WaitFor(messaging)
        .WithHttpHealthCheck("/health")
        .WithApiReference()
        .WithViewer()
        .WithExternalHttpEndpoints();

    // AppHost:FileFront=true: nginx in front of ResultsApi (resultsapi-front) sends the bytes of the file GETs ResultsApi
    // authorises (docs/decisions/0020-nginx-front-for-file-bytes.md); ResultsApi answers those through it with X-Accel-Redirect.
    if (builder.Configuration.GetValue("AppHost:FileFront", false))
    {
        resultsApi.WithEnvironment("FileFront__Enabled", "true");
        servers.AddFileFront("resultsapi-front", resultsApi, StorageFolder, StorageTarget);
    }

    // AppHost:AnalyseStableSeries=false stops series being analysed by themselves once complete (only /compute then):
    // the ingest benchmarks measure storing alone, as the archive beside them does.
    if (!builder.Configuration.GetValue("AppHost:AnalyseStableSeries", true))
    {
        resultsApi.WithEnvironment("SeriesAnalysis__QueueWhenStableFor", "00:00:00");
    }

    // The worker's service account on ResultsApi: one generated password, given to both.
    var workerPassword = builder.AddSecret("workflowworker-password");
    resultsApi.WithEnvironment("Bootstrap__WorkerPassword", workerPassword);

    // The worker calls ResultsApi only while it runs a job, through a resilient client with retries, so it need not wait for it.
    builder.AddProject<Projects.WorkflowWorker>("workflowworker")
        .WithEnvironment("ResultsApi__Password", workerPassword)
        .WithReference(messaging).WaitFor(messaging)
        .WithReference(resultsApi)
        .WithHttpHealthCheck("/health")
        .WithReplicas(builder.Configuration.GetValue("WorkflowWorker:Replicas", 1));

    var importServiceKey = builder.AddSecret("imagingimport-service-key");
    var imagingImport = builder.AddProject<Projects.ImagingImport>("imagingimport")
        // Callers' key (X-Service-Key) and the key of the subject pseudonyms.
        .WithEnvironment("Import__ServiceKey", importServiceKey)
        .WithEnvironment("Import__PseudonymKey", builder.AddSecret("imagingimport-pseudonym-key"))
        // XNAT (Xnat:BaseUrl, Username, Password) and the import's tuning (Import:…), as the app host's ImagingImport:Settings.
        .WithConfiguration(builder.Configuration.GetSection("ImagingImport:Settings"))
        .WithReference(importDb).WaitFor(importDb)
        .WithReference(redis).WaitFor(redis)
        .WithReference(resultsApi)
        .WithHttpHealthCheck("/health")
        .WithApiReference()
        .WithExternalHttpEndpoints();

    // The source PACS the cohorts are read from, over DICOMweb: an existing one (ConnectionStrings:pacs), or an Orthanc
    // started here (ImagingImport:LocalPacs, and for the demo), e.g. to try the import without a hospital's PACS.
    IResourceBuilder<IResourceWithConnectionString>? pacs = null;
    if (builder.Configuration["ConnectionStrings:pacs"] is { Length: > 0 }
        || builder.Configuration.GetValue("ImagingImport:LocalPacs", false) || demo)
    {
        pacs = servers.AddOrthanc("pacs");
        imagingImport.WithReference(pacs).WaitFor(pacs);
    }

    // XNAT, where the cohorts go: a real one (ImagingImport:Settings:Xnat:BaseUrl), or for the demo a STAND-IN that follows
    // XNAT's documented REST calls (XnatStandIn/), with a generated password and its archive in the data folder.
    if (demo && builder.Configuration["ImagingImport:Settings:Xnat:BaseUrl"] is not { Length: > 0 })
    {
        var xnatPassword = builder.AddSecret("xnat-standin-password");
        var xnat = builder.AddProject<Projects.XnatStandIn>("xnat-standin")
            .WithEnvironment("XnatStandIn__Password", xnatPassword)
            .WithDataFolder("xnat-standin", target: "/var/lib/xnat-standin", environmentVariable: "XnatStandIn__DataDirectory", servers.DataDirectory)
            .WithHttpHealthCheck("/health");
        imagingImport.WithReference(xnat).WaitFor(xnat)
            .WithEnvironment("Xnat__BaseUrl", "http://xnat-standin")
            .WithEnvironment("Xnat__Username", "admin")
            .WithEnvironment("Xnat__Password", xnatPassword);
    }

    // A first user to log in with, created by ResultsApi when its database has none: in Development always, elsewhere
    // when the first install gives its password (Parameters:resultsapi-admin-password).
    if (builder.Environment.IsDevelopment() || builder.Configuration["Parameters:resultsapi-admin-password"] is { Length: > 0 })
    {
        var adminPassword = builder.AddSecret("resultsapi-admin-password");
        resultsApi.WithEnvironment("Bootstrap__AdminPassword", adminPassword)
            .WithNoteWhenReady(async ct => $"ResultsApi development login: admin / {await adminPassword.Resource.GetValueAsync(ct)}  (POST /api/v1/userlogin/login)");
    }

    if (demo)
    {
        // The demo job: runs once the services are healthy, makes the demo through their APIs (skipped when it exists), and
        // leaves the walkthrough's files in {data}/demo. Its user is the admin of a source of its own, "demo".
        var demoPassword = builder.AddSecret("resultsapi-demo-password");
        resultsApi.WithEnvironment("Bootstrap__DemoPassword", demoPassword);
        var demoJob = builder.AddProject<Projects.DemoData>("demo-data")
            .WithDataFolder("demo", target: "/var/lib/imaging/demo", environmentVariable: "Demo__OutputDirectory", servers.DataDirectory)
            .WithEnvironment("Demo__Password", demoPassword)
            .WithEnvironment("Demo__ServiceKey", importServiceKey)
            .WithReference(resultsApi).WaitFor(resultsApi)
            .WithReference(imagingImport).WaitFor(imagingImport)
            .WithDemoNotesWhenFinished(Path.Combine(servers.DataDirectory, "demo"), demoPassword.Resource);
        if (pacs is not null)
        {
            demoJob.WithReference(pacs);
        }
    }

    if (builder.ExecutionContext.IsRunMode && !builder.Environment.IsDevelopment())
    {
        // The services' launch profiles say Development; a run in another environment (e.g. --environment Production for a
        // benchmark) runs them in that one too.
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            builder.CreateResourceBuilder(project)
                .WithEnvironment("ASPNETCORE_ENVIRONMENT", builder.Environment.EnvironmentName)
                .WithEnvironment("DOTNET_ENVIRONMENT", builder.Environment.EnvironmentName);
        }
    }

    AppHostPorts.ThrowIfTaken(builder);
    var app = builder.Build();
    if (publish is not null)
    {
        return await publish.WriteAsync(app);
    }

    app.LogServerRuntime(servers);
    app.LogWhenHealthy();
    await app.RunAsync();
    return 0;
}

/// <summary>Internal on purpose (ASP.NET Core's generator would make it public): a test that also references a service sees one Program.</summary>
internal partial class Program;
