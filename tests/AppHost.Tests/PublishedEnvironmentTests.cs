using System.Text.RegularExpressions;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Imaging.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using YamlDotNet.RepresentationModel;

namespace AppHost.Tests;

/// <summary>
/// One comparison, not two copies: the environment each service process really received from the running app host
/// (read from /proc) equals what docker-compose resolves for that service from the published compose file and .env,
/// once the run's loopback addresses and data folders are written as the container platform's (service name, container
/// port, volume). The variables that differ are listed below, each with the reason a deployment rightly differs.
/// </summary>
public sealed partial class PublishedEnvironmentTests : IAsyncLifetime
{
    private static readonly string[] Settings = ["--WorkflowWorker:Replicas=2"];

    /// <summary>Only the run has these: Aspire's development settings and DCP's per-process values.</summary>
    private static readonly Dictionary<string, string> RunOnly = new(StringComparer.Ordinal)
    {
        ["ASPNETCORE_URLS"] = "the replica's own loopback port; in a container the service listens on HTTP_PORTS",
        ["DOTNET_LAUNCH_PROFILE"] = "launch profiles are a development tool; a container has none",
        ["OTEL_RESOURCE_ATTRIBUTES"] = "the replica's id from DCP; the platform names its replicas and the SDK gives each an id",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "Aspire exports telemetry every second in development so its dashboard is live",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "the same development export interval, for logs",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "the same development export interval, for metrics",
        ["OTEL_TRACES_SAMPLER"] = "development samples every trace; a deployment chooses its own sampling",
        ["OTEL_METRICS_EXEMPLAR_FILTER"] = "a development aid of Aspire's dashboard",
        ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = "development only: it would put message contents in telemetry",
        ["OTEL_DOTNET_EXPERIMENTAL_ASPNETCORE_DISABLE_URL_QUERY_REDACTION"] = "development only: query strings (signed links' signatures) stay redacted when deployed",
        ["OTEL_DOTNET_EXPERIMENTAL_HTTPCLIENT_DISABLE_URL_QUERY_REDACTION"] = "the same, for outgoing calls",
        ["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "colours for Aspire's console log view",
        ["LOGGING__CONSOLE__FORMATTERNAME"] = "the format Aspire's console log view reads; a platform's log collector takes the default",
    };

    /// <summary>Only the run may have these, depending on the machine; they are not required to appear.</summary>
    private static readonly Dictionary<string, string> RunOnlyOnSomeMachines = new(StringComparer.Ordinal)
    {
        ["SSL_CERT_DIR"] = "DCP adds the ASP.NET developer certificate once a developer has trusted it (dotnet dev-certs https --trust); a container trusts its image's CAs",
    };

    /// <summary>Only the deployment has these: what Aspire leaves to the container platform in publish mode.</summary>
    private static readonly Dictionary<string, string> PublishedOnly = new(StringComparer.Ordinal)
    {
        ["HTTP_PORTS"] = "where the service listens in its container (the run says it with ASPNETCORE_URLS)",
        ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "a deployed service sits behind a proxy or ingress that terminates TLS",
    };

    /// <summary>
    /// The parts of each reference ({NAME}_HOST, _PORT, _USERNAME, _PASSWORD, _URI, …) that Aspire 13's container
    /// resources give beside ConnectionStrings__{name}; the run's servers from the Debian packages give only the
    /// connection string, which is all the services read.
    /// </summary>
    private static readonly Regex ConnectionProperty = new("^[A-Z0-9_]+_(HOST|PORT|USERNAME|PASSWORD|URI|JDBCCONNECTIONSTRING|DATABASENAME)$");

    private AppHostTesting _run = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _run = await AppHostTesting.StartAsync<Projects.AppHost>(Settings, dashboard: true);

    public async ValueTask DisposeAsync() => await _run.DisposeAsync();

    [Fact]
    public async Task Each_service_gets_in_compose_the_environment_the_app_host_gives_it()
    {
        var model = _run.App.Services.GetRequiredService<DistributedApplicationModel>();
        var projects = model.Resources.OfType<ProjectResource>().ToList();
        Assert.Equal(["imagingimport", "resultsapi", "workflowworker"], projects.Select(p => p.Name).Order(StringComparer.Ordinal));
        var received = projects.ToDictionary(p => p.Name, p => _run.Pids(p.Name).Select(Injected).ToList());
        Assert.Equal(2, received["workflowworker"].Count);

        // Publish the same model with the run's settings, environment and secrets: every parameter's value (the servers'
        // passwords are parameters of their connection strings, not resources of the model), and the OTLP API key the
        // run's dashboard was given as the published dashboard's.
        List<string> parameters = [];
        foreach (var parameter in model.Resources.OfType<ParameterResource>()
            .Concat(model.Resources.OfType<IResourceWithConnectionString>().SelectMany(r => ParametersIn(r.ConnectionStringExpression))).Distinct())
        {
            parameters.Add($"--Parameters:{parameter.Name}={await parameter.GetValueAsync(Ct)}");
        }

        var otlpHeaders = received["resultsapi"][0]["OTEL_EXPORTER_OTLP_HEADERS"];
        parameters.Add($"--Parameters:aspire-dashboard-otlp-api-key={otlpHeaders["x-otlp-api-key=".Length..]}");
        var output = Path.Combine(_run.DataDirectory, "published");
        var (exitCode, _, error) = await AppHostBinary.RunAsync(["publish", "--output", output, "--target", "compose", "--environment", "Development", .. Settings, .. parameters]);
        Assert.True(exitCode == 0, error);

        var services = ComposedServices(output);
        Assert.Equal("2", ((YamlScalarNode)services["workflowworker"]["deploy"]["replicas"]).Value);
        var translate = AddressTranslation(model, services);
        List<string> differences = [];
        HashSet<string> seen = [];
        HashSet<string> compared = [];
        foreach (var project in projects)
        {
            var published = EnvironmentOf(services[project.Name]);
            foreach (var environment in received[project.Name])
            {
                var run = translate(environment);
                seen.UnionWith(run.Keys.Except(published.Keys).Concat(published.Keys.Except(run.Keys)));
                differences.AddRange(run.Keys.Except(published.Keys).Where(k => !RunOnly.ContainsKey(k) && !RunOnlyOnSomeMachines.ContainsKey(k)).Select(k => $"{project.Name}: only the run has {k}={run[k]}"));
                differences.AddRange(published.Keys.Except(run.Keys).Where(k => !PublishedOnly.ContainsKey(k) && !ConnectionProperty.IsMatch(k))
                    .Select(k => $"{project.Name}: only compose has {k}={published[k]}"));
                compared.UnionWith(run.Keys.Intersect(published.Keys));
                differences.AddRange(run.Keys.Intersect(published.Keys).Where(k => run[k] != published[k])
                    .Select(k => $"{project.Name}: {k} is {run[k]} in the run, {published[k]} in compose"));
            }
        }

        Assert.True(differences.Count == 0, string.Join("\n", differences));
        // The application's contract is among what was compared, not only in the lists of differences.
        Assert.Subset(compared, new HashSet<string> { "ConnectionStrings__resultsdb", "ConnectionStrings__importdb", "ConnectionStrings__redis", "ConnectionStrings__messaging",
            "services__resultsapi__http__0", "Storage__Root", "SignedLinks__Key", "Bootstrap__WorkerPassword", "ResultsApi__Password", "Import__ServiceKey",
            "OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS", "ASPNETCORE_ENVIRONMENT" });
        // Each listed difference is real, or the list says more than the test proves.
        var unseen = RunOnly.Keys.Concat(PublishedOnly.Keys).Except(seen).ToList();
        Assert.True(unseen.Count == 0, $"Listed as a difference, but no process shows it: {string.Join(", ", unseen)}");
    }

    /// <summary>
    /// The run's addresses as the compose project's: a loopback host and port of a resource's endpoint becomes the
    /// resource's service name and the one container port its compose service has; a service's data folder in the run
    /// becomes its volume's mount point; the run's dashboard becomes the published one (its OTLP/gRPC port, 18889).
    /// </summary>
    private Func<Dictionary<string, string>, Dictionary<string, string>> AddressTranslation(DistributedApplicationModel model, Dictionary<string, YamlMappingNode> services)
    {
        Dictionary<string, (string Host, string Port)> ports = [];
        // The run's own dashboard is a resource named like the published one, on other ports: its OTLP address is translated below.
        foreach (var resource in model.Resources.Where(r => services.ContainsKey(r.Name) && r.Name != "aspire-dashboard"))
        {
            foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>().Where(e => e.AllocatedEndpoint is not null))
            {
                var service = services[resource.Name];
                var containerPorts = Strings(service, "expose").Concat(Sequence(service, "ports").Select(p => ((YamlScalarNode)((YamlMappingNode)p)["target"]).Value!)).ToList();
                ports[endpoint.AllocatedEndpoint!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)] = (resource.Name, Assert.Single(containerPorts));
            }
        }

        List<(string From, string To)> replacements = [];
        foreach (var (name, service) in services)
        {
            foreach (var volume in Sequence(service, "volumes").Select(v => ((YamlScalarNode)v).Value!.Split(':')))
            {
                replacements.Add((Path.Combine(_run.DataDirectory, volume[0][(name.Length + 1)..]), volume[1]));
            }
        }

        return environment =>
        {
            Dictionary<string, string> translated = new(StringComparer.Ordinal);
            foreach (var (key, value) in environment)
            {
                var text = replacements.Aggregate(value, (t, r) => t.Replace(r.From, r.To, StringComparison.Ordinal));
                text = LoopbackAddress().Replace(text, m => ports.TryGetValue(m.Groups["port"].Value, out var to) ? $"{m.Groups["sep"].Value}{to.Host}{m.Groups["mid"].Value}{to.Port}" : m.Value);
                // Aspire's {NAME}_PORT and {NAME}_HOST name the same endpoint in two variables.
                if (key.EndsWith("_PORT", StringComparison.Ordinal) && ports.TryGetValue(value, out var port))
                {
                    text = port.Port;
                }
                else if (key.EndsWith("_HOST", StringComparison.Ordinal) && environment.TryGetValue($"{key[..^5]}_PORT", out var sibling) && ports.TryGetValue(sibling, out var host))
                {
                    text = host.Host;
                }

                else if (key == "OTEL_EXPORTER_OTLP_ENDPOINT" && LoopbackUrl().IsMatch(value))
                {
                    text = "http://aspire-dashboard:18889";
                }

                translated[key] = text;
            }

            return translated;
        };
    }

    private static IEnumerable<ParameterResource> ParametersIn(object value) => value switch
    {
        ParameterResource parameter => [parameter],
        ReferenceExpression expression => expression.ValueProviders.SelectMany(ParametersIn),
        IResourceWithConnectionString resource => ParametersIn(resource.ConnectionStringExpression),
        _ => [],
    };

    /// <summary>The variables the app host gave the process: those that differ from this test's own environment, which it inherits.</summary>
    private static Dictionary<string, string> Injected(int pid) =>
        ProcessTable.EnvironmentOf(pid).Where(e => Environment.GetEnvironmentVariable(e.Key) != e.Value).ToDictionary(StringComparer.Ordinal);

    private static Dictionary<string, YamlMappingNode> ComposedServices(string output)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(ExternalTool.Run("docker-compose", "--project-directory", output, "-f", Path.Combine(output, "docker-compose.yaml"), "config")));
        var services = (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["services"];
        return services.Children.ToDictionary(s => ((YamlScalarNode)s.Key).Value!, s => (YamlMappingNode)s.Value, StringComparer.Ordinal);
    }

    // docker-compose config writes every $ of a value as $$ (its own escape); the container receives one.
    private static Dictionary<string, string> EnvironmentOf(YamlMappingNode service) => service.Children.TryGetValue(new YamlScalarNode("environment"), out var environment)
        ? ((YamlMappingNode)environment).Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => (((YamlScalarNode)e.Value).Value ?? "").Replace("$$", "$", StringComparison.Ordinal), StringComparer.Ordinal)
        : [];

    private static IEnumerable<YamlNode> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var sequence) ? ((YamlSequenceNode)sequence).Children : [];

    private static IEnumerable<string> Strings(YamlMappingNode node, string key) => Sequence(node, key).Select(n => ((YamlScalarNode)n).Value!);

    // host:port after ://, @ or the start (Redis), or Host=…;Port=… (Npgsql), on the loopback interface.
    [GeneratedRegex(@"(?<sep>^|//|@|Host=)(?:localhost|127\.0\.0\.1)(?<mid>:|;Port=)(?<port>\d+)")]
    private static partial Regex LoopbackAddress();

    [GeneratedRegex(@"^http://(?:localhost|127\.0\.0\.1):\d+/?$")]
    private static partial Regex LoopbackUrl();
}
