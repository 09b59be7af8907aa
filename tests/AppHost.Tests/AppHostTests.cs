using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
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

    [Fact]
    public async Task AppHost_FileFront_puts_nginx_in_front_of_ResultsApi_with_a_health_check_and_turns_the_redirects_on()
    {
        await using var without = await CreateAsync(demo: false);
        Assert.DoesNotContain(without.Resources, r => r.Name == "resultsapi-front");

        await using var builder = await CreateAsync(demo: false, "--AppHost:FileFront=true");
        var front = Assert.IsType<ExecutableResource>(builder.Resources.Single(r => r.Name == "resultsapi-front"));
        var resultsApi = (IResourceWithEnvironment)builder.Resources.Single(r => r.Name == "resultsapi");

        Assert.EndsWith("/nginx", front.Command, StringComparison.Ordinal);
        Assert.Contains("resultsapi", WaitsFor(front));
        Assert.NotEmpty(front.Annotations.OfType<HealthCheckAnnotation>());
        Assert.True(front.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http").IsExternal);
#pragma warning disable CS0618 // as above
        var environment = await resultsApi.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618
        Assert.Equal("true", environment["FileFront__Enabled"]);
    }

    [Fact]
    public async Task Run_with_AppHost_FileFront_nginx_sends_the_bytes_of_a_file_ResultsApi_authorises()
    {
        var run = await AppHostTesting.StartAsync<Projects.AppHost>(["--AppHost:FileFront=true"], timeout: TimeSpan.FromMinutes(3));
        await using (run)
        {
            var app = run.App;
            await app.ResourceNotifications.WaitForResourceHealthyAsync("resultsapi-front", Ct);
            using var front = app.CreateHttpClient("resultsapi-front", "http");
            var password = await app.ParameterAsync("resultsapi-admin-password", Ct);
            using var login = await front.PostAsync("/api/v1/userlogin/login",
                new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "admin", ["password"] = password }), Ct);
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
            var token = (await login.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("access_token").GetString();

            front.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var exam = await CreatedIdAsync(front, "/api/v1/exam/new", new { name = "Front", patient_id = "P-1" });
            var workflow = await CreatedIdAsync(front, "/api/v1/exam/workflow/new", new { exam_id = exam, name = "Reconstruction" });
            var task = await CreatedIdAsync(front, "/api/v1/exam/task/new", new { workflow_id = workflow, name = "Recon", task_type = "RECONSTRUCTION" });
            using var created = await front.PostAsync($"/api/v1/exam/result?task_id={task}", null, Ct);
            var result = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString();
            var bytes = SampleInstances.SecondaryCapture("Front^Test");
            using var upload = await front.PutAsync($"/api/v1/exam/result/{result}/files/front.dcm", new ByteArrayContent(bytes), Ct);
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
            var url = $"/api/v1/exam/dcm/{workflow}/{task}/{result}/front.dcm";

            using var response = await front.GetAsync(url, Ct);
            using var anonymous = app.CreateHttpClient("resultsapi-front", "http");
            using var refused = await anonymous.GetAsync(url, Ct);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync(Ct));
            Assert.Equal("application/dicom", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("nginx", response.Headers.Server.Single().Product?.Name);
            // nginx sent it from {data}/storage: its ETag is the file's modification time and size in hex.
            var file = new FileInfo(Directory.GetFiles(Path.Combine(run.DataDirectory, "storage"), "front.dcm", SearchOption.AllDirectories).Single());
            Assert.Equal($"\"{new DateTimeOffset(file.LastWriteTimeUtc).ToUnixTimeSeconds():x}-{file.Length:x}\"", response.Headers.ETag?.Tag);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
    }

    private static async Task<string> CreatedIdAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PostAsJsonAsync(path, body, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;
    }

    private Task<IDistributedApplicationTestingBuilder> CreateAsync(bool demo, params string[] arguments) =>
        DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [$"--AppHost:DataDirectory={_data}", $"--AppHost:DemoData={demo}", "--AppHost:Servers=Processes", .. arguments],
            (options, _) => options.DisableDashboard = true, Ct);

    private static HashSet<string> WaitsFor(IResource resource) => [.. resource.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name)];
}
