using System.Text.Json;
using System.Text.RegularExpressions;

namespace AppHost.Tests;

/// <summary>
/// Aspire's own manifest from the app host on the SDK (`--publisher manifest`): the services as project.v0, the servers
/// as container.v0 whatever this machine runs them as, every secret a generated secret parameter (never a value), and
/// every {resource.…} placeholder naming a resource of the manifest.
/// </summary>
public sealed partial class ManifestPublishTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("aspire-manifest-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    [Fact]
    public async Task The_manifest_has_the_services_as_projects_the_servers_as_containers_and_only_generated_secrets()
    {
        var manifest = Path.Combine(_output, "aspire-manifest.json");
        var (exitCode, output, error) = await AppHostBinary.RunAsync(["--publisher", "manifest", "--output-path", manifest, "--ImagingImport:LocalPacs=true"]);
        Assert.True(exitCode == 0, output + error);

        var text = await File.ReadAllTextAsync(manifest, Ct);
        using var document = JsonDocument.Parse(text);
        var resources = document.RootElement.GetProperty("resources");
        string Type(string name) => resources.GetProperty(name).GetProperty("type").GetString()!;
        foreach (var service in new[] { "resultsapi", "workflowworker", "imagingimport" })
        {
            Assert.Equal("project.v0", Type(service));
            var path = Path.GetFullPath(Path.Combine(_output, resources.GetProperty(service).GetProperty("path").GetString()!));
            Assert.True(File.Exists(path), $"{service}'s project {path} does not exist");
        }

        foreach (var server in new[] { "postgres", "redis", "messaging", "pacs" })
        {
            Assert.Equal("container.v0", Type(server));
        }

        Assert.Equal("{postgres.connectionString};Database=resultsdb", resources.GetProperty("resultsdb").GetProperty("connectionString").GetString());
        var resultsApi = resources.GetProperty("resultsapi").GetProperty("env");
        Assert.Equal("{resultsdb.connectionString}", resultsApi.GetProperty("ConnectionStrings__resultsdb").GetString());
        Assert.Equal("{resultsapi-signed-links-key.value}", resultsApi.GetProperty("SignedLinks__Key").GetString());
        Assert.Equal("/var/lib/imaging/storage", resultsApi.GetProperty("Storage__Root").GetString());

        // Every secret is a parameter the deployment generates or asks for: the manifest holds no secret value.
        foreach (var secret in new[] { "resultsapi-signed-links-key", "workflowworker-password", "imagingimport-service-key", "imagingimport-pseudonym-key", "postgres-password" })
        {
            var input = resources.GetProperty(secret).GetProperty("inputs").GetProperty("value");
            Assert.Equal("parameter.v0", Type(secret));
            Assert.True(input.GetProperty("secret").GetBoolean(), $"{secret} is not secret");
            Assert.True(input.GetProperty("default").TryGetProperty("generate", out _), $"{secret} is not generated");
        }

        foreach (Match match in Placeholder().Matches(text))
        {
            Assert.True(resources.TryGetProperty(match.Groups["resource"].Value, out var target), $"{match.Value} names no resource");
            if (match.Groups["binding"].Success)
            {
                Assert.True(target.GetProperty("bindings").TryGetProperty(match.Groups["binding"].Value, out _), $"{match.Value} names no binding");
            }
        }
    }

    [GeneratedRegex(@"\{(?<resource>[a-z][a-z0-9-]*)\.(?:connectionString|value|inputs\.value|bindings\.(?<binding>[a-z0-9-]+)\.(?:host|port|url|targetPort|scheme))\}")]
    private static partial Regex Placeholder();
}
