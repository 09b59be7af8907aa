using System.Diagnostics;
using System.Text.Json;
using AppHost;
using AppHost.Hosting;
using AppHost.Hosting.Testing;
using YamlDotNet.RepresentationModel;

namespace AppHost.Tests;

/// <summary>
/// One comparison, not two copies: the environment each service process really received from the running app host
/// (read from /proc) equals what docker-compose resolves for that service from the published compose file and .env,
/// once the run's loopback addresses are written as the container platform's (service name and container port).
/// </summary>
[Collection(Name)]
public sealed class PublishedEnvironmentTests : IAsyncLifetime
{
    public const string Name = "published environment, alone";

    private const string OtlpApiKey = "published-environment-test-key";
    private static readonly string[] Settings = ["--WorkflowWorker:Replicas=2", $"--AppHost:Dashboard:OtlpApiKey={OtlpApiKey}"];

    private DistributedApplication _app = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<AppHostAssembly>(Settings, TestContext.Current.CancellationToken);
        _app = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await _app.StartAsync(timeout.Token);
        await _app.WaitForHealthyAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Each_service_gets_in_compose_the_environment_the_app_host_gives_it()
    {
        // Publish the same model, with the same settings and the same data folder (so the same generated secrets).
        var output = Path.Combine(_app.DataDirectory, "published");
        var environmentName = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Development";
        var publisher = await DistributedApplicationTestingBuilder.CreateAsync<AppHostAssembly>(
            ["publish", "--output", output, "--target", "compose", "--data-dir", _app.DataDirectory, "--environment", environmentName, .. Settings],
            TestContext.Current.CancellationToken);
        publisher.Build().Publish();
        var composed = ComposedEnvironments(output);

        var translate = AddressTranslation();
        var projects = _app.Resources.OfType<ProjectResource>().ToList();
        Assert.Equal(3, projects.Count);
        foreach (var project in projects)
        {
            var snapshot = _app.ResourceNotifications.Current.Single(s => s.Name == project.Name);
            Assert.Equal(project.Replicas, snapshot.Pids.Count);
            var expected = composed[project.Name];
            for (var replica = 0; replica < snapshot.Pids.Count; replica++)
            {
                var received = ReadEnvironment(snapshot.Pids[replica]);
                var injected = received.Where(e => Environment.GetEnvironmentVariable(e.Key) != e.Value).ToDictionary();

                // Only the replica's own name differs by design: the platform names its replicas, and the SDK gives each an id.
                Assert.StartsWith("service.instance.id=", injected.Remove("OTEL_RESOURCE_ATTRIBUTES", out var id) ? id : "", StringComparison.Ordinal);
                var listen = new Uri(injected["ASPNETCORE_URLS"]);
                injected["ASPNETCORE_URLS"] = $"http://+:{ProjectResource.ContainerHttpPort}";
                Assert.Equal(project.HttpEndpoint.AllocatedPorts[replica], listen.Port);

                var translated = injected.ToDictionary(e => e.Key, e => translate(e.Value));
                Assert.Equal(Sorted(expected), Sorted(translated));
            }
        }

        // The compose file runs the worker's replicas as the app host does.
        Assert.Contains("replicas: 2", Run(output, "docker-compose", "config"), StringComparison.Ordinal);
    }

    /// <summary>The run's loopback addresses, data folder and dashboard written as inside the compose project.</summary>
    private Func<string, string> AddressTranslation()
    {
        List<(string From, string To)> replacements = [];
        foreach (var resource in _app.Resources)
        {
            foreach (var endpoint in resource.Endpoints)
            {
                foreach (var port in endpoint.AllocatedPorts)
                {
                    replacements.Add(($"Host=127.0.0.1;Port={port};", $"Host={resource.Name};Port={endpoint.TargetPort};"));
                    replacements.Add(($"@127.0.0.1:{port}", $"@{resource.Name}:{endpoint.TargetPort}"));
                    replacements.Add(($"127.0.0.1:{port},", $"{resource.Name}:{endpoint.TargetPort},"));
                    replacements.Add(($"http://localhost:{port}", $"http://{resource.Name}:{endpoint.TargetPort}"));
                }
            }
        }

        using var state = JsonDocument.Parse(File.ReadAllText(_app.StateFile));
        var extra = state.RootElement.EnumerateObject().Single(p => p.NameEquals("extra") || p.NameEquals("Extra")).Value;
        var otlp = extra.EnumerateObject().Single(p => p.Name.Equals("otlpGrpc", StringComparison.OrdinalIgnoreCase)).Value.GetString()!.TrimEnd('/');
        replacements.Add((otlp, "http://aspire-dashboard:18889"));
        replacements.Add((Path.Combine(_app.DataDirectory, "storage"), "/var/lib/imaging/storage"));
        return value => replacements.Aggregate(value, (text, r) => text == r.From || text.Contains(r.From, StringComparison.Ordinal) ? text.Replace(r.From, r.To, StringComparison.Ordinal) : text);
    }

    private static Dictionary<string, Dictionary<string, string>> ComposedEnvironments(string output)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Run(output, "docker-compose", "config")));
        var services = (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("services")];
        return services.Children.ToDictionary(
            s => ((YamlScalarNode)s.Key).Value!,
            s => ((YamlMappingNode)s.Value).Children.TryGetValue(new YamlScalarNode("environment"), out var env)
                ? ((YamlMappingNode)env).Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value ?? "")
                : []);
    }

    private static Dictionary<string, string> ReadEnvironment(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    private static List<KeyValuePair<string, string>> Sorted(Dictionary<string, string> environment) =>
        [.. environment.OrderBy(e => e.Key, StringComparer.Ordinal)];

    private static string Run(string directory, string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName, arguments) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit(TimeSpan.FromMinutes(1));
        Assert.True(process.ExitCode == 0, $"{fileName} failed: {error.Result}");
        return output.Result;
    }
}

/// <summary>The whole system runs here on its own, after the classes that run in parallel: it waits for every server.</summary>
[CollectionDefinition(PublishedEnvironmentTests.Name, DisableParallelization = true)]
public sealed class PublishedEnvironmentCollection;
