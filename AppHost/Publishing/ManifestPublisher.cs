using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using AppHost.Hosting;
using AppHost.Hosting.Orchestration;

namespace AppHost.Publishing;

/// <summary>
/// Aspire's deployment manifest (schema https://json.schemastore.org/aspire-8.0.json) for tools that still read it:
/// project.v0 and container.v0 with bindings, value.v0 for databases, parameter.v0 for every parameter, and
/// {resource.connectionString}-style placeholders the tool resolves.
/// </summary>
internal static class ManifestPublisher
{
    public const string FileName = "aspire-manifest.json";
    public const string Schema = "https://json.schemastore.org/aspire-8.0.json";

    public static IReadOnlyList<string> Publish(IDistributedApplicationBuilder builder, string output)
    {
        var values = new ManifestValues();
        var resources = new JsonObject();
        foreach (var resource in builder.Resources)
        {
            resources[resource.Name] = resource switch
            {
                ProjectResource project => Project(project, builder, output, values),
                ServerResource server => Container(server, values),
                PostgresDatabaseResource database => new JsonObject
                {
                    ["type"] = "value.v0",
                    ["connectionString"] = database.ConnectionStringExpression(values),
                },
                ConnectionStringResource connection => Parameter(connection.Parameter, connectionString: $"{{{connection.Name}.value}}"),
                _ => throw new DistributedApplicationException($"'{resource.Name}' ({resource.Kind}) has no form in Aspire's manifest."),
            };
        }

        foreach (var parameter in builder.Parameters)
        {
            resources[parameter.Name] = Parameter(parameter, connectionString: null);
        }

        var manifest = new JsonObject { ["$schema"] = Schema, ["resources"] = resources };
        Directory.CreateDirectory(output);
        var path = Path.Combine(output, FileName);
        File.WriteAllText(path, manifest.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }) + "\n");
        return [path];
    }

    private static JsonObject Project(ProjectResource project, IDistributedApplicationBuilder builder, string output, ManifestValues values)
    {
        var env = new JsonObject();
        // No OTLP variables: the deployment tool points the services at its own telemetry, as with Aspire's manifest.
        foreach (var (key, value) in EnvironmentContract.For(project, 0, replicaId: null, builder.EnvironmentName, telemetry: null, values))
        {
            env[key] = value;
        }

        return new JsonObject
        {
            ["type"] = "project.v0",
            ["path"] = Path.GetRelativePath(output, project.Metadata.ProjectPath).Replace('\\', '/'),
            ["env"] = env,
            ["bindings"] = Bindings(project.Endpoints),
        };
    }

    private static JsonObject Container(ServerResource server, ManifestValues values)
    {
        var spec = server.CreateContainerSpec(values);
        var container = new JsonObject
        {
            ["type"] = "container.v0",
            ["connectionString"] = server.ConnectionStringExpression(values),
            ["image"] = spec.Image,
        };
        if (spec.Arguments.Count > 0)
        {
            container["args"] = new JsonArray([.. spec.Arguments.Select(a => (JsonNode)a!)]);
        }

        var env = new JsonObject();
        foreach (var (key, value) in spec.Environment)
        {
            env[key] = value;
        }

        container["env"] = env;
        container["bindings"] = Bindings(server.Endpoints);
        container["volumes"] = new JsonArray(new JsonObject
        {
            ["name"] = $"{server.Name}-data",
            ["target"] = spec.VolumeTarget,
            ["readOnly"] = false,
        });
        return container;
    }

    private static JsonObject Bindings(IEnumerable<Endpoint> endpoints)
    {
        var bindings = new JsonObject();
        foreach (var endpoint in endpoints)
        {
            var binding = new JsonObject
            {
                // The schema knows http, https, tcp and udp; AMQP and DICOM are plain TCP to a deployment tool.
                ["scheme"] = endpoint.Scheme is "http" or "https" or "udp" ? endpoint.Scheme : "tcp",
                ["protocol"] = "tcp",
                ["transport"] = endpoint.Scheme is "http" or "https" ? "http" : "tcp",
                ["targetPort"] = endpoint.TargetPort,
            };
            if (endpoint.IsExternal)
            {
                binding["external"] = true;
            }

            bindings[endpoint.Name] = binding;
        }

        return bindings;
    }

    private static JsonObject Parameter(ParameterResource parameter, string? connectionString)
    {
        var input = new JsonObject { ["type"] = "string" };
        if (parameter.Secret)
        {
            input["secret"] = true;
        }

        if (parameter.GeneratedMinLength is { } length)
        {
            input["default"] = new JsonObject { ["generate"] = new JsonObject { ["minLength"] = length } };
        }

        var resource = new JsonObject { ["type"] = "parameter.v0" };
        if (connectionString is not null)
        {
            resource["connectionString"] = connectionString;
        }

        resource["value"] = $"{{{parameter.Name}.inputs.value}}";
        resource["inputs"] = new JsonObject { ["value"] = input };
        return resource;
    }
}
