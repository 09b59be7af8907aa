using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Imaging.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace AppHost.Tests;

/// <summary>
/// The app host on Aspire's SDK, through Aspire.Hosting.Testing: the model has today's resources and names, and run
/// whole (servers from the Debian packages under DCP) every service is healthy, the demo job makes the demo through the
/// services' APIs (a k-space record reconstructed by the worker over RabbitMQ, a series analysed, a cohort imported
/// from Orthanc into the XNAT stand-in) and exits 0, and stopping leaves no process of the run.
/// </summary>
public sealed class AppHostTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "imaging-tests", $"aspire-apphost-{Guid.NewGuid():N}"[..30]);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task The_model_has_todays_resources_with_their_references_waits_and_health_checks()
    {
        await using var builder = await CreateAsync(demo: true);
        var resources = builder.Resources.ToDictionary(r => r.Name);

        foreach (var name in new[] { "postgres", "resultsdb", "importdb", "redis", "messaging", "resultsapi", "workflowworker", "imagingimport", "pacs", "xnat-standin", "demo-data" })
        {
            Assert.True(resources.ContainsKey(name), $"no resource {name}");
        }

        Assert.IsAssignableFrom<ProjectResource>(resources["resultsapi"]);
        Assert.Subset(WaitsFor(resources["resultsapi"]), new HashSet<string> { "messaging", "redis", "resultsdb" });
        Assert.Subset(WaitsFor(resources["imagingimport"]), new HashSet<string> { "importdb", "pacs", "redis", "xnat-standin" });
        Assert.Subset(WaitsFor(resources["demo-data"]), new HashSet<string> { "imagingimport", "resultsapi" });
        Assert.DoesNotContain("resultsapi", WaitsFor(resources["workflowworker"]));
        foreach (var service in new[] { "resultsapi", "workflowworker", "imagingimport", "xnat-standin" })
        {
            Assert.NotEmpty(resources[service].Annotations.OfType<HealthCheckAnnotation>());
        }

        // The secrets are parameters, generated and kept (not written into the model in the clear).
        foreach (var secret in new[] { "resultsapi-admin-password", "resultsapi-demo-password", "imagingimport-service-key", "xnat-standin-password", "workflowworker-password" })
        {
            Assert.True(Assert.IsType<ParameterResource>(resources[secret]).Secret, $"{secret} is not secret");
        }
    }

    [Fact]
    public async Task The_whole_system_starts_healthy_the_demo_job_succeeds_through_every_service_and_stopping_leaves_no_process()
    {
        List<int> pids;
        var run = await AppHostTesting.StartAsync<Projects.AppHost>([], demo: true, timeout: TimeSpan.FromMinutes(5));
        await using (run)
        {
            var app = run.App;
            using var resultsApi = app.CreateHttpClient("resultsapi");
            Assert.Equal(HttpStatusCode.OK, (await resultsApi.GetAsync("/health", Ct)).StatusCode);
            var password = await app.ParameterAsync("resultsapi-admin-password", Ct);
            using var login = await resultsApi.PostAsync("/api/v1/userlogin/login",
                new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "admin", ["password"] = password }), Ct);
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);

            // The demo job runs once the services are healthy: reconstruction, analysis, quality session, cohort import.
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            patience.CancelAfter(TimeSpan.FromMinutes(5));
            var demo = await app.WaitForJobAsync("demo-data", patience.Token);
            Assert.True(demo.ExitCode == 0, $"demo-data ended {demo.State?.Text} with exit code {demo.ExitCode}");
            Assert.True(File.Exists(Path.Combine(run.DataDirectory, "demo", "demo-data.json")), "the demo job left no demo-data.json for the walkthrough");

            pids = app.ProcessesOf(app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Select(r => r.Name));
            Assert.True(pids.Count >= 8, $"{pids.Count} processes found");
            await app.StopAsync(Ct);
        }

        await ProcessTable.EventuallyAsync(() => !pids.Any(ProcessTable.IsAlive), TimeSpan.FromSeconds(20));
        Assert.DoesNotContain(pids, ProcessTable.IsAlive);
    }

    [Fact]
    public async Task ResultsApi_Settings_reach_ResultsApi_as_its_own_configuration()
    {
        await using var builder = await CreateAsync(demo: false, "--ResultsApi:Settings:FileFront:Enabled=true");
        var resultsApi = (IResourceWithEnvironment)builder.Resources.Single(r => r.Name == "resultsapi");

        // Obsolete in 13.6 in favour of ExecutionConfigurationBuilder, and still the one call that evaluates a resource's environment as the model has it.
#pragma warning disable CS0618
        var environment = await resultsApi.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618

        Assert.Equal("true", environment["FileFront__Enabled"]);
    }

    private Task<IDistributedApplicationTestingBuilder> CreateAsync(bool demo, params string[] arguments) =>
        DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [$"--AppHost:DataDirectory={_data}", $"--AppHost:DemoData={demo}", "--AppHost:Servers=Processes", .. arguments],
            (options, _) => options.DisableDashboard = true, Ct);

    private static HashSet<string> WaitsFor(IResource resource) => [.. resource.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name)];
}
