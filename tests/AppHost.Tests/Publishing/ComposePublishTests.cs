using Imaging.LocalServers;
using YamlDotNet.RepresentationModel;

namespace AppHost.Tests.Publishing;

/// <summary>The compose file `publish --target compose` writes, as Debian's docker-compose reads it (`config` needs no engine).</summary>
public sealed class ComposePublishTests
{
    [Fact]
    public async Task Docker_compose_accepts_the_file_and_resolves_every_variable_from_the_env_file()
    {
        using var model = await PublishedModel.PublishAsync("compose", "--WorkflowWorker:Replicas=3");

        var (exitCode, output, error) = model.Run("docker-compose", "config");
        Assert.True(exitCode == 0, $"docker-compose config failed: {error}");
        // Every ${VARIABLE} had a value in .env: docker-compose warns about each one that did not.
        Assert.DoesNotContain("is not set", error, StringComparison.Ordinal);

        var services = Services(output);
        Assert.Equal(["aspire-dashboard", "imagingimport", "messaging", "postgres", "redis", "resultsapi", "workflowworker"], services.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("resultsapi:latest", Scalar(services["resultsapi"], "image"));
        Assert.StartsWith("docker.io/library/postgres:", Scalar(services["postgres"], "image"), StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspire-dashboard:", Scalar(services["aspire-dashboard"], "image"), StringComparison.Ordinal);

        // Replicas, start order from WaitFor (a database's is its server's), health checks on the servers, named volumes.
        Assert.Equal("3", Scalar(services["workflowworker"], "deploy", "replicas"));
        Assert.Equal("service_healthy", Scalar(services["resultsapi"], "depends_on", "postgres", "condition"));
        Assert.Equal("service_healthy", Scalar(services["resultsapi"], "depends_on", "messaging", "condition"));
        Assert.Equal("service_healthy", Scalar(services["imagingimport"], "depends_on", "redis", "condition"));
        Assert.Null(Child(services["workflowworker"], "depends_on", "resultsapi"));
        foreach (var server in new[] { "postgres", "redis", "messaging" })
        {
            Assert.NotNull(Child(services[server], "healthcheck", "test"));
            Assert.Equal("unless-stopped", Scalar(services[server], "restart"));
        }

        Assert.Contains("resultsapi-storage:/var/lib/imaging/storage:rw", Sequence(services["resultsapi"], "volumes").Select(VolumeText));
        Assert.Contains(Sequence(services["postgres"], "volumes").Select(VolumeText), v => v.StartsWith("postgres-data:/var/lib/postgresql", StringComparison.Ordinal));

        // Secrets come from .env: the file itself holds none, and .env is private to its owner.
        var compose = model.Read("docker-compose.yaml");
        var secrets = model.EnvSecrets;
        Assert.Contains("POSTGRES_PASSWORD", secrets.Keys);
        Assert.Contains("RESULTSAPI_SIGNED_LINKS_KEY", secrets.Keys);
        foreach (var (name, value) in secrets)
        {
            Assert.False(compose.Contains(value, StringComparison.Ordinal), $"The compose file holds the value of {name}.");
            Assert.False(compose.Contains(Uri.EscapeDataString(value), StringComparison.Ordinal), $"The compose file holds the value of {name}, escaped.");
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(model.Output, ".env")));

        // Addresses are service names and container ports; the projects listen on 8080 and send telemetry to the dashboard.
        var password = secrets["POSTGRES_PASSWORD"];
        Assert.Equal(password, EnvironmentOf(services["postgres"])["POSTGRES_PASSWORD"]);
        var resultsApi = EnvironmentOf(services["resultsapi"]);
        Assert.Equal($"Host=postgres;Port=5432;Username=postgres;Password={password};Database=resultsdb", resultsApi["ConnectionStrings__resultsdb"]);
        Assert.Equal($"postgresql://postgres:{Uri.EscapeDataString(password)}@postgres:5432/resultsdb", resultsApi["RESULTSDB_URI"]);
        Assert.Equal($"amqp://guest:{secrets["MESSAGING_PASSWORD"]}@messaging:5672", resultsApi["ConnectionStrings__messaging"]);
        Assert.Equal("8080", resultsApi["HTTP_PORTS"]);
        Assert.Equal("http://aspire-dashboard:18889", resultsApi["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("resultsapi", resultsApi["OTEL_SERVICE_NAME"]);
        Assert.Equal("Production", resultsApi["ASPNETCORE_ENVIRONMENT"]);
        var worker = EnvironmentOf(services["workflowworker"]);
        Assert.Equal("http://resultsapi:8080", worker["services__resultsapi__http__0"]);
        // Nothing listens for https in the containers: TLS ends in front of them, so no address names it.
        Assert.DoesNotContain(worker.Keys, k => k.Contains("https", StringComparison.OrdinalIgnoreCase));

        // The shell in the Redis container, not compose, expands $REDIS_PASSWORD: compose keeps it as an escaped $$.
        Assert.Contains(Sequence(services["redis"], "command"), n => ((YamlScalarNode)n).Value!.Contains("--requirepass $$REDIS_PASSWORD", StringComparison.Ordinal));
        Assert.Equal(secrets["REDIS_PASSWORD"], EnvironmentOf(services["redis"])["REDIS_PASSWORD"]);
    }

    [Fact]
    public async Task A_password_in_the_import_settings_becomes_a_secret_variable_not_text_in_the_file()
    {
        using var model = await PublishedModel.PublishAsync("compose",
            "--ImagingImport:Settings:Xnat:Password=xnat-s3cret-value", "--ImagingImport:Settings:Xnat:BaseUrl=https://xnat.example.org");

        var compose = model.Read("docker-compose.yaml");
        Assert.DoesNotContain("xnat-s3cret-value", compose, StringComparison.Ordinal);
        Assert.Contains("Xnat__Password: ${IMAGINGIMPORT_XNAT_PASSWORD}", compose, StringComparison.Ordinal);
        Assert.Contains("Xnat__BaseUrl: https://xnat.example.org", compose, StringComparison.Ordinal);
        Assert.Equal("xnat-s3cret-value", model.EnvSecrets["IMAGINGIMPORT_XNAT_PASSWORD"]);
    }

    [Fact]
    public async Task Publishing_again_keeps_the_secrets_so_a_deployed_volume_still_accepts_its_password()
    {
        using var model = await PublishedModel.PublishAsync("compose");
        var first = model.Env;

        // Aspire generates a new value in each publish; the folder's .env keeps the one the volume was made with.
        await model.PublishAgainAsync("compose");
        Assert.Equal(first, model.Env);

        // A value given as Parameters:{name} is taken instead, for a rotated password; the others stay.
        await model.PublishAgainAsync("compose", "--Parameters:redis-password=rotated0redis0password");
        Assert.Equal("rotated0redis0password", model.Env["REDIS_PASSWORD"]);
        Assert.Equal(first["POSTGRES_PASSWORD"], model.Env["POSTGRES_PASSWORD"]);
    }

    [Fact]
    public async Task The_file_front_reads_ResultsApis_storage_volume_read_only_with_its_configuration_and_health_check()
    {
        using var model = await PublishedModel.PublishAsync("compose", "--AppHost:FileFront=true");

        var (exitCode, output, error) = model.Run("docker-compose", "config");
        Assert.True(exitCode == 0, $"docker-compose config failed: {error}");
        Assert.DoesNotContain("is not set", error, StringComparison.Ordinal);

        var services = Services(output);
        var front = services["resultsapi-front"];
        Assert.Equal("docker.io/nginx:1.27", Scalar(front, "image"));
        Assert.Equal(["resultsapi-storage:/var/lib/imaging/storage:ro"], Sequence(front, "volumes").Select(VolumeText));
        Assert.Contains("resultsapi-storage:/var/lib/imaging/storage:rw", Sequence(services["resultsapi"], "volumes").Select(VolumeText));
        Assert.Equal("service_started", Scalar(front, "depends_on", "resultsapi", "condition"));
        Assert.Contains(FileFrontConfig.HealthPath, string.Join(' ', Sequence(front, "healthcheck", "test").Select(n => ((YamlScalarNode)n).Value)), StringComparison.Ordinal);
        Assert.Contains(model.Env.Keys, k => k == "RESULTSAPI_FRONT_PORT");
        Assert.Equal("true", EnvironmentOf(services["resultsapi"])["FileFront__Enabled"]);

        // nginx's configuration, with ResultsApi reached by its service name; compose keeps nginx's $variables escaped as $$.
        var expected = new FileFrontConfig { Listen = "8080", Upstream = "resultsapi:8080", StorageRoot = "/var/lib/imaging/storage", User = "nginx" }.Render();
        Assert.Equal(expected.Replace("$", "$$", StringComparison.Ordinal), EnvironmentOf(front)[FileFrontContainerResource.ConfigVariable]);
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
        Child(service, "environment") is YamlMappingNode environment
            ? environment.Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => ((YamlScalarNode)p.Value).Value ?? "", StringComparer.Ordinal)
            : [];

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
