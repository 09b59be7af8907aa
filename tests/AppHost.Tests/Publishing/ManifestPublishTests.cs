using System.Text.Json;
using System.Text.RegularExpressions;
using NJsonSchema;

namespace AppHost.Tests.Publishing;

/// <summary>`publish --target manifest`: Aspire's manifest, checked against the documented schema of the types it uses.</summary>
public sealed partial class ManifestPublishTests
{
    [Fact]
    public async Task The_manifest_matches_Aspires_schema_and_every_placeholder_names_a_resource()
    {
        using var model = await PublishedModel.PublishAsync("manifest", "--ImagingImport:LocalPacs=true");
        var text = model.Read("aspire-manifest.json");

        var schema = await JsonSchema.FromFileAsync(Path.Combine(AppContext.BaseDirectory, "Publishing", "aspire-manifest.schema.json"), TestContext.Current.CancellationToken);
        var errors = schema.Validate(text);
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"{e.Path}: {e.Kind}")));

        using var document = JsonDocument.Parse(text);
        var resources = document.RootElement.GetProperty("resources");
        Assert.Equal("https://json.schemastore.org/aspire-8.0.json", document.RootElement.GetProperty("$schema").GetString());
        Assert.Equal("container.v0", resources.GetProperty("postgres").GetProperty("type").GetString());
        Assert.Equal("{postgres.connectionString};Database=resultsdb", resources.GetProperty("resultsdb").GetProperty("connectionString").GetString());
        Assert.Equal("{resultsdb.connectionString}", resources.GetProperty("resultsapi").GetProperty("env").GetProperty("ConnectionStrings__resultsdb").GetString());
        Assert.Equal("{resultsapi.bindings.http.url}", resources.GetProperty("workflowworker").GetProperty("env").GetProperty("services__resultsapi__http__0").GetString());
        Assert.Equal("{resultsapi-signed-links-key.value}", resources.GetProperty("resultsapi").GetProperty("env").GetProperty("SignedLinks__Key").GetString());
        Assert.EndsWith("/ResultsApi/ResultsApi.csproj", resources.GetProperty("resultsapi").GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.GetFullPath(Path.Combine(model.Output, resources.GetProperty("resultsapi").GetProperty("path").GetString()!))));
        var password = resources.GetProperty("postgres-password");
        Assert.Equal("parameter.v0", password.GetProperty("type").GetString());
        Assert.True(password.GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
        Assert.Equal(24, password.GetProperty("inputs").GetProperty("value").GetProperty("default").GetProperty("generate").GetProperty("minLength").GetInt32());

        // Every {resource.…} placeholder names a resource of the manifest, and a binding of it where it names one.
        foreach (Match match in Placeholder().Matches(text))
        {
            Assert.True(resources.TryGetProperty(match.Groups["resource"].Value, out var target), $"{match.Value} names no resource");
            if (match.Groups["binding"].Success)
            {
                Assert.True(target.GetProperty("bindings").TryGetProperty(match.Groups["binding"].Value, out _), $"{match.Value} names no binding");
            }
        }

        // No secret in the manifest: the deployment tool asks for or generates each one, so publishing it generates none.
        Assert.False(File.Exists(Path.Combine(model.DataDirectory, "secrets.json")));
    }

    [Fact]
    public async Task The_schema_refuses_what_Aspire_documents_as_invalid()
    {
        // The transcription must be able to fail: an unknown field, and a binding with a scheme outside the enum.
        var schema = await JsonSchema.FromFileAsync(Path.Combine(AppContext.BaseDirectory, "Publishing", "aspire-manifest.schema.json"), TestContext.Current.CancellationToken);
        Assert.NotEmpty(schema.Validate("""{"resources":{"a":{"type":"project.v0","path":"a.csproj","replicas":2}}}"""));
        Assert.NotEmpty(schema.Validate("""{"resources":{"a":{"type":"container.v0","image":"x","bindings":{"tcp":{"scheme":"amqp","protocol":"tcp","transport":"tcp"}}}}}"""));
        Assert.NotEmpty(schema.Validate("""{"resources":{"a":{"type":"parameter.v0","value":"{a.inputs.value}"}}}"""));
        Assert.Empty(schema.Validate("""{"resources":{"a":{"type":"value.v0","connectionString":"x"}}}"""));
    }

    [GeneratedRegex(@"\{(?<resource>[a-z][a-z0-9-]*)\.(?:connectionString|value|inputs\.value|bindings\.(?<binding>[a-z0-9-]+)\.(?:host|port|url|targetPort))\}")]
    private static partial Regex Placeholder();
}
