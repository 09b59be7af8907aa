using YamlDotNet.RepresentationModel;

namespace AppHost.Tests.Publishing;

/// <summary>The compose file `publish --target compose` writes, as Debian's docker-compose reads it (`config` needs no engine).</summary>
public sealed class ComposePublishTests
{
    [Fact]
    public async Task Docker_compose_accepts_the_file_and_resolves_every_variable_from_the_env_file()
    {
        using var model = await PublishedModel.PublishAsync("compose", "--WorkflowWorker:Replicas=3");

        var (exitCode, output, error) = PublishedModel.Run(model.Output, "docker-compose", "config");
        Assert.True(exitCode == 0, $"docker-compose config failed: {error}");
        // Every ${VARIABLE} had a value in .env: docker-compose warns about each one that did not.
        Assert.DoesNotContain("is not set", error, StringComparison.Ordinal);

        var services = Services(output);
        Assert.Equal(["aspire-dashboard", "imagingimport", "messaging", "postgres", "redis", "resultsapi", "workflowworker"], services.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("resultsapi:latest", Scalar(services["resultsapi"], "image"));
        Assert.Equal("docker.io/library/postgres:17.6", Scalar(services["postgres"], "image"));

        // Replicas, start order from WaitFor, health checks on the servers, named volumes.
        Assert.Equal("3", Scalar(services["workflowworker"], "deploy", "replicas"));
        Assert.Equal("service_healthy", Scalar(services["resultsapi"], "depends_on", "postgres", "condition"));
        Assert.Equal("service_healthy", Scalar(services["resultsapi"], "depends_on", "messaging", "condition"));
        Assert.Equal("service_healthy", Scalar(services["imagingimport"], "depends_on", "redis", "condition"));
        Assert.False(((YamlMappingNode)services["workflowworker"]).Children.ContainsKey("depends_on") && Child(services["workflowworker"], "depends_on") is YamlMappingNode m && m.Children.ContainsKey("resultsapi"),
            "The worker references ResultsApi without WaitFor, so it must not wait for it.");
        foreach (var server in new[] { "postgres", "redis", "messaging" })
        {
            Assert.NotNull(Child(services[server], "healthcheck", "test"));
        }

        Assert.Contains("resultsapi-storage:/var/lib/imaging/storage:rw", Sequence(services["resultsapi"], "volumes").Select(VolumeText));
        Assert.Contains("postgres-data:/var/lib/postgresql/data:rw", Sequence(services["postgres"], "volumes").Select(VolumeText));

        // Secrets come from .env: the file itself holds none, and .env is private to its owner.
        var compose = model.Read("docker-compose.yaml");
        foreach (var (name, value) in model.Secrets)
        {
            Assert.False(compose.Contains(value, StringComparison.Ordinal), $"The compose file holds the value of {name}.");
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(model.Output, ".env")));
        Assert.Equal(model.Secrets["postgres-password"], EnvironmentOf(services["postgres"])["POSTGRES_PASSWORD"]);
        Assert.Equal($"Host=postgres;Port=5432;Username=postgres;Password={model.Secrets["postgres-password"]};Database=resultsdb",
            EnvironmentOf(services["resultsapi"])["ConnectionStrings__resultsdb"]);

        // The shell in the Redis container, not compose, expands $REDIS_PASSWORD: compose keeps it as an escaped $$.
        Assert.Contains(Sequence(services["redis"], "command"), n => ((YamlScalarNode)n).Value!.Contains("\"$$REDIS_PASSWORD\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_password_in_the_import_settings_becomes_a_secret_variable_not_text_in_the_file()
    {
        using var model = await PublishedModel.PublishAsync("compose", "--ImagingImport:Settings:Xnat:Password=xnat-s3cret-value", "--ImagingImport:Settings:Xnat:BaseUrl=https://xnat.example.org");

        var compose = model.Read("docker-compose.yaml");
        Assert.DoesNotContain("xnat-s3cret-value", compose, StringComparison.Ordinal);
        Assert.Contains("Xnat__Password: ${IMAGINGIMPORT_XNAT_PASSWORD}", compose, StringComparison.Ordinal);
        Assert.Contains("Xnat__BaseUrl: https://xnat.example.org", compose, StringComparison.Ordinal);
        Assert.Contains("IMAGINGIMPORT_XNAT_PASSWORD=xnat-s3cret-value", model.Read(".env"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publishing_twice_keeps_the_secrets_so_a_deployed_volume_still_accepts_its_password()
    {
        using var first = await PublishedModel.PublishAsync("compose");
        var env = first.Read(".env");
        var builder = await AppHost.Hosting.Testing.DistributedApplicationTestingBuilder.CreateAsync<AppHostAssembly>(
            ["publish", "--output", first.Output, "--target", "compose", "--data-dir", first.DataDirectory], TestContext.Current.CancellationToken);
        builder.Build().Publish();

        Assert.Equal(env, first.Read(".env"));
    }

    internal static Dictionary<string, YamlNode> Services(string composeText)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(composeText));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        return ((YamlMappingNode)root.Children[new YamlScalarNode("services")]).Children
            .ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => p.Value, StringComparer.Ordinal);
    }

    internal static Dictionary<string, string> EnvironmentOf(YamlNode service) =>
        ((YamlMappingNode)Child(service, "environment")!).Children
            .ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => ((YamlScalarNode)p.Value).Value ?? "", StringComparer.Ordinal);

    private static YamlNode? Child(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }

            node = next;
        }

        return node;
    }

    private static string? Scalar(YamlNode node, params string[] path) => (Child(node, path) as YamlScalarNode)?.Value;

    private static IEnumerable<YamlNode> Sequence(YamlNode node, params string[] path) => ((YamlSequenceNode)Child(node, path)!).Children;

    // docker-compose 1.29 writes volumes in the long form (source, target, type).
    private static string VolumeText(YamlNode node) => node is YamlScalarNode scalar
        ? scalar.Value!
        : $"{Scalar(node, "source")}:{Scalar(node, "target")}";
}
