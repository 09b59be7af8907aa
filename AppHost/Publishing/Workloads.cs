using System.Globalization;
using System.Text;
using AppHost.Model;
using AppHost.Servers;
using Imaging.LocalServers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AppHost.Publishing;

/// <summary>A parameter inside a published value; Uri when Aspire's expression asks for it escaped (:uri).</summary>
internal sealed record ParameterPart(ParameterResource Parameter, bool Uri = false);

/// <summary>A value as a container platform receives it: literal text and parameters, in order. Each writer says how a parameter appears.</summary>
internal sealed record PublishedValue(params object[] Parts)
{
    public bool HoldsSecret => Parts.Any(p => p is ParameterPart { Parameter.Secret: true });
}

/// <summary>A port inside the container; an external one is reachable from outside the application.</summary>
internal sealed record WorkloadPort(string Name, int TargetPort, bool External);

/// <summary>A named volume; several workloads may mount the same one (the file front reads ResultsApi's storage).</summary>
internal sealed record WorkloadVolume(string Name, string Target, bool ReadOnly = false);

/// <summary>A workload to start first, with compose's condition: service_healthy, service_started or service_completed_successfully.</summary>
internal sealed record WorkloadDependency(string Name, string Condition);

/// <summary>One thing a container platform runs, as the compose and Kubernetes writers see it.</summary>
internal sealed class Workload
{
    public required string Name { get; init; }

    /// <summary>project, dashboard, front (ResultsApi's file front), or the server's kind (postgres, redis, rabbitmq, orthanc, container).</summary>
    public required string Component { get; init; }

    /// <summary>A server keeps state of its own (a StatefulSet on Kubernetes); the front only reads ResultsApi's volume.</summary>
    public bool IsServer => Component is not ("project" or "dashboard" or "front");

    public required string Image { get; init; }

    public string? Entrypoint { get; init; }

    public IReadOnlyList<PublishedValue> Arguments { get; init; } = [];

    public required OrderedDictionary<string, PublishedValue> Environment { get; init; }

    public IEnumerable<ParameterPart> ParameterParts => Arguments.Concat(Environment.Values).SelectMany(v => v.Parts).OfType<ParameterPart>();

    public required IReadOnlyList<WorkloadPort> Ports { get; init; }

    public IReadOnlyList<WorkloadVolume> Volumes { get; init; } = [];

    /// <summary>A command in the container that succeeds when the server takes work, in compose's form (CMD or CMD-SHELL first).</summary>
    public IReadOnlyList<string>? HealthCommand { get; init; }

    /// <summary>A project with health checks: readiness on /health, liveness on /alive (the ServiceDefaults convention).</summary>
    public bool HttpProbes { get; init; }

    public int Replicas { get; init; } = 1;

    public IReadOnlyList<WorkloadDependency> DependsOn { get; init; } = [];

    public string? ProjectPath { get; init; }
}

/// <summary>
/// Aspire's application model evaluated as its publish mode gives it (environment and argument callbacks with a
/// publish-mode context), as workloads: a resource is reached by its name on its container port, a project listens on
/// 8080, telemetry goes to an aspire-dashboard workload. Parameters stay parameters: each writer decides their form.
/// </summary>
internal sealed class Workloads(DistributedApplicationExecutionContext execution, CancellationToken cancellationToken)
{
    public const string DashboardName = "aspire-dashboard";

    /// <summary>Where ASP.NET Core listens in the .NET images (HTTP_PORTS), and what the services' Dockerfiles expose.</summary>
    public const int ProjectPort = 8080;

    // Aspire's standalone dashboard image, and its OTLP/gRPC port.
    private const string DashboardImage = "mcr.microsoft.com/dotnet/aspire-dashboard:9.5";
    private const int OtlpPort = 18889;

    public static async Task<List<Workload>> BuildAsync(DistributedApplication app, PublishCommand command, CancellationToken cancellationToken)
    {
        var configuration = app.Services.GetRequiredService<IConfiguration>();
        var environmentName = app.Services.GetRequiredService<IHostEnvironment>().EnvironmentName;
        var workloads = new Workloads(app.Services.GetRequiredService<DistributedApplicationExecutionContext>(), cancellationToken);
        ParameterResource Secret(string name) => new(name, generate => configuration[$"Parameters:{name}"] ?? generate!.GetDefaultValue(), secret: true)
        {
            Default = new GenerateParameterDefault { MinLength = 32, Special = false },
        };

        // Telemetry goes to Aspire's standalone dashboard: a login token of its own, and telemetry only with its API key.
        var otlpApiKey = Secret($"{DashboardName}-otlp-api-key");
        List<Workload> result =
        [
            new Workload
            {
                Name = DashboardName,
                Component = "dashboard",
                Image = DashboardImage,
                Environment = new()
                {
                    ["DASHBOARD__FRONTEND__AUTHMODE"] = new("BrowserToken"),
                    ["DASHBOARD__FRONTEND__BROWSERTOKEN"] = new(new ParameterPart(Secret($"{DashboardName}-browser-token"))),
                    ["DASHBOARD__OTLP__AUTHMODE"] = new("ApiKey"),
                    ["DASHBOARD__OTLP__PRIMARYAPIKEY"] = new(new ParameterPart(otlpApiKey)),
                },
                Ports = [new("http", 18888, External: true), new("otlp-grpc", OtlpPort, External: false), new("otlp-http", 18890, External: false)],
            },
        ];
        foreach (var resource in app.Services.GetRequiredService<DistributedApplicationModel>().Resources)
        {
            // A parameter is a value, a database is made by its service's migrations on the published server, an
            // existing server (ConnectionStrings:{name}) is only a connection string: none of them runs.
            if (resource is ParameterResource or ConnectionStringResource or IResourceWithParent
                || resource.Annotations.Contains(ManifestPublishingCallbackAnnotation.Ignore))
            {
                continue;
            }

            if (resource is not (ProjectResource or ContainerResource))
            {
                throw new DistributedApplicationException($"'{resource.Name}' ({resource.GetType().Name}) cannot be published: only projects and containers have a container form.");
            }

            var environment = await workloads.EnvironmentAsync(resource);
            if (resource is ProjectResource)
            {
                // Aspire leaves these to the deployment tool in publish mode; they are ours to say.
                environment["ASPNETCORE_ENVIRONMENT"] = new(environmentName);
                if (resource.Annotations.OfType<OtlpExporterAnnotation>().Any())
                {
                    environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = new($"http://{DashboardName}:{OtlpPort}");
                    environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = new("grpc");
                    environment["OTEL_EXPORTER_OTLP_HEADERS"] = new("x-otlp-api-key=", new ParameterPart(otlpApiKey));
                    environment["OTEL_SERVICE_NAME"] = new(resource.Name);
                }
            }

            result.Add(new Workload
            {
                Name = resource.Name,
                Component = resource switch
                {
                    ProjectResource => "project",
                    PostgresServerResource => "postgres",
                    RedisResource => "redis",
                    RabbitMQServerResource => "rabbitmq",
                    OrthancContainerResource => "orthanc",
                    FileFrontContainerResource => "front",
                    _ => "container",
                },
                Image = Image(resource, command),
                Entrypoint = (resource as ContainerResource)?.Entrypoint,
                Arguments = await workloads.ArgumentsAsync(resource),
                Environment = environment,
                Ports = [.. resource.Annotations.OfType<EndpointAnnotation>().Where(e => IsPublished(resource, e)).Select(e => new WorkloadPort(e.Name, TargetPort(resource, e), e.IsExternal))],
                Volumes = Volumes(resource),
                HealthCommand = HealthCommand(resource),
                HttpProbes = resource is ProjectResource && resource.Annotations.OfType<HealthCheckAnnotation>().Any(),
                Replicas = resource.Annotations.OfType<ReplicaAnnotation>().LastOrDefault()?.Replicas ?? 1,
                DependsOn = DependenciesOf(resource),
                ProjectPath = (resource as ProjectResource)?.GetProjectMetadata().ProjectPath,
            });
        }

        return result;
    }

    /// <summary>A project's is the name its SDK container publish and Dockerfile give it (ContainerRepository); a container's is its own.</summary>
    private static string Image(IResource resource, PublishCommand command)
    {
        if (resource is ProjectResource)
        {
            return $"{(string.IsNullOrEmpty(command.ImageRegistry) ? "" : command.ImageRegistry.TrimEnd('/') + "/")}{resource.Name}:{command.ImageTag}";
        }

        var image = resource.Annotations.OfType<ContainerImageAnnotation>().LastOrDefault()
            ?? throw new DistributedApplicationException($"'{resource.Name}' has no image to publish.");
        var reference = image.SHA256 is { } digest ? $"{image.Image}@sha256:{digest}" : $"{image.Image}:{image.Tag ?? "latest"}";
        return string.IsNullOrEmpty(image.Registry) ? reference : $"{image.Registry}/{reference}";
    }

    private static List<WorkloadVolume> Volumes(IResource resource)
    {
        List<WorkloadVolume> volumes = [.. resource.Annotations.OfType<ProjectVolumeAnnotation>().Select(v => new WorkloadVolume($"{resource.Name}-{v.Name}", v.Target))];
        foreach (var mount in resource.Annotations.OfType<ContainerMountAnnotation>())
        {
            if (mount is not { Type: ContainerMountType.Volume, Source: { } source })
            {
                throw new DistributedApplicationException($"'{resource.Name}' mounts {mount.Source ?? "an anonymous volume"} at {mount.Target}: only named volumes are published.");
            }

            // WithDataVolume names it {app host}-{hash of the app host's path}-{resource}-data. The hash differs in each
            // clone, and a deployment must find its volume again whoever publishes it: the name starts at the resource.
            var start = source.IndexOf($"-{resource.Name}-", StringComparison.Ordinal);
            volumes.Add(new WorkloadVolume(start < 0 ? source : source[(start + 1)..], mount.Target, mount.IsReadOnly));
        }

        return volumes;
    }

    /// <summary>The official images' own clients, as health checks; Orthanc's image has none to ask it with.</summary>
    private static IReadOnlyList<string>? HealthCommand(IResource resource) => resource switch
    {
        FileFrontContainerResource => ["CMD", "curl", "-fsS", "-o", "/dev/null", $"http://127.0.0.1:{FileFrontContainerResource.Port}{FileFrontConfig.HealthPath}"],
        PostgresServerResource => ["CMD-SHELL", "pg_isready -U \"$POSTGRES_USER\" -h 127.0.0.1"],
        RedisResource => ["CMD-SHELL", "redis-cli -a \"$REDIS_PASSWORD\" --no-auth-warning ping | grep -q PONG"],
        RabbitMQServerResource => ["CMD", "rabbitmq-diagnostics", "-q", "ping"],
        _ => null,
    };

    // Aspire gives a project an https endpoint from its launch profile that nothing in the container listens on: TLS
    // ends in front of the services, so it is left out, with every variable that names it.
    private static bool IsPublished(IResource resource, EndpointAnnotation endpoint) => !(resource is ProjectResource && endpoint.UriScheme == "https");

    private static int TargetPort(IResource resource, EndpointAnnotation endpoint) => endpoint.TargetPort ?? (resource is ProjectResource ? ProjectPort
        : throw new DistributedApplicationException($"'{resource.Name}' endpoint '{endpoint.Name}' has no target port to publish."));

    /// <summary>WaitFor as a start order: waiting for a database is waiting for its server, healthy where the server has a health check.</summary>
    private static List<WorkloadDependency> DependenciesOf(IResource resource)
    {
        List<WorkloadDependency> dependencies = [];
        foreach (var wait in resource.Annotations.OfType<WaitAnnotation>())
        {
            var target = wait.Resource is IResourceWithParent { Parent: var parent } ? parent : wait.Resource;
            if (target is not (ParameterResource or ConnectionStringResource) && dependencies.All(d => d.Name != target.Name))
            {
                dependencies.Add(new WorkloadDependency(target.Name, wait.WaitType switch
                {
                    WaitType.WaitForCompletion => "service_completed_successfully",
                    WaitType.WaitUntilHealthy when HealthCommand(target) is not null => "service_healthy",
                    _ => "service_started",
                }));
            }
        }

        return dependencies;
    }

    private async Task<OrderedDictionary<string, PublishedValue>> EnvironmentAsync(IResource resource)
    {
        Dictionary<string, object> variables = [];
        var context = new EnvironmentCallbackContext(execution, resource, variables, cancellationToken);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        var rendered = variables.Select(v => (v.Key, Value: Render(v.Value, $"'{resource.Name}' variable {v.Key}")));
        return new(rendered.Where(v => v.Value is not null).Select(v => KeyValuePair.Create(v.Key, v.Value!)), StringComparer.Ordinal);
    }

    private async Task<List<PublishedValue>> ArgumentsAsync(IResource resource)
    {
        List<object> arguments = [];
        var context = new CommandLineArgsCallbackContext(arguments, resource, cancellationToken) { ExecutionContext = execution };
        foreach (var callback in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        return [.. arguments.Select((a, i) => Render(a, $"'{resource.Name}' argument {i}")
            ?? throw new DistributedApplicationException($"'{resource.Name}' argument {i} names an endpoint that is not published."))];
    }

    /// <summary>A value of Aspire's model as text and parameters; null when it names an endpoint that is not published.</summary>
    private static PublishedValue? Render(object? value, string where) => value switch
    {
        string text => new(text),
        ParameterResource parameter => new(new ParameterPart(parameter)),
        ConnectionStringReference reference => Render(reference.Resource.ConnectionStringExpression, where),
        IResourceWithConnectionString resource => Render(resource.ConnectionStringExpression, where),
        ReferenceExpression expression => Expression(expression, where),
        EndpointReference endpoint => Endpoint(endpoint, EndpointProperty.Url, where),
        EndpointReferenceExpression expression => Endpoint(expression.Endpoint, expression.Property, where),
        _ => throw new DistributedApplicationException($"{where}: {value?.GetType().Name ?? "null"} ({(value as IManifestExpressionProvider)?.ValueExpression}) "
            + "has no published form; AppHost/Publishing/Workloads.cs must learn to write it."),
    };

    private static PublishedValue? Expression(ReferenceExpression expression, string where)
    {
        if (expression.IsConditional)
        {
            // Aspire's choice between two expressions (",ssl=true" when an endpoint has TLS), made on a value known now.
            var condition = Render(expression.Condition, where);
            if (condition is null || condition.Parts.Any(p => p is not string))
            {
                throw new DistributedApplicationException($"{where}: a conditional expression depends on a parameter, which has no value when publishing.");
            }

            var chosen = string.Equals(string.Concat(condition.Parts), expression.MatchValue, StringComparison.OrdinalIgnoreCase) ? expression.WhenTrue : expression.WhenFalse;
            return Expression(chosen!, where);
        }

        // Format is string.Format's: {n} is ValueProviders[n], with StringFormats[n] (only "uri"); braces of the text are doubled.
        List<object> parts = [];
        var literal = new StringBuilder();
        var format = expression.Format;
        for (var i = 0; i < format.Length; i++)
        {
            var doubled = format[i] is '{' or '}' && i + 1 < format.Length && format[i + 1] == format[i];
            if (doubled || format[i] != '{')
            {
                literal.Append(format[i]);
                i += doubled ? 1 : 0;
                continue;
            }

            var end = format.IndexOf('}', i);
            var index = int.Parse(format.AsSpan(i + 1, end - i - 1), CultureInfo.InvariantCulture);
            i = end;
            if (Render(expression.ValueProviders[index], where) is not { } inner)
            {
                return null;
            }

            var uri = expression.StringFormats[index] switch
            {
                null => false,
                "uri" => true,
                var other => throw new DistributedApplicationException($"{where}: unknown format ':{other}' in an expression."),
            };
            parts.Add(literal.ToString());
            literal.Clear();
            parts.AddRange(inner.Parts.Select(p => !uri ? p : p is ParameterPart parameter ? parameter with { Uri = true } : Uri.EscapeDataString((string)p)));
        }

        parts.Add(literal.ToString());
        return new([.. parts.Where(p => p is not "")]);
    }

    private static PublishedValue? Endpoint(EndpointReference endpoint, EndpointProperty property, string where)
    {
        var annotation = endpoint.EndpointAnnotation;
        if (!IsPublished(endpoint.Resource, annotation))
        {
            return null;
        }

        var (host, port) = (endpoint.Resource.Name, TargetPort(endpoint.Resource, annotation).ToString(CultureInfo.InvariantCulture));
        return new(property switch
        {
            EndpointProperty.Url => $"{annotation.UriScheme}://{host}:{port}",
            EndpointProperty.Host or EndpointProperty.IPV4Host => host,
            EndpointProperty.Port or EndpointProperty.TargetPort => port,
            EndpointProperty.HostAndPort => $"{host}:{port}",
            EndpointProperty.Scheme => annotation.UriScheme,
            EndpointProperty.TlsEnabled => annotation.TlsEnabled ? "true" : "false",
            _ => throw new DistributedApplicationException($"{where}: endpoint property {property} has no published form."),
        });
    }
}
