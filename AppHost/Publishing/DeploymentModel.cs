using AppHost.Dashboard;
using AppHost.Hosting;
using AppHost.Hosting.Orchestration;

namespace AppHost.Publishing;

internal enum WorkloadKind
{
    Project,
    Server,
    Dashboard,
}

/// <summary>A port a workload listens on inside its container; external ones are reachable from outside the application.</summary>
internal sealed record WorkloadPort(string Name, string Scheme, int TargetPort, bool External);

/// <summary>Another workload to start first; healthy means "wait for its health check", as WaitFor does here.</summary>
internal sealed record WorkloadDependency(string Name, bool Healthy);

/// <summary>
/// One thing a container platform runs, as every publisher sees it: image, environment (already resolved for the
/// target), ports, volumes, probes, replicas and start order. Built once per target from the app model.
/// </summary>
internal sealed class Workload
{
    public required string Name { get; init; }

    public required WorkloadKind Kind { get; init; }

    /// <summary>postgres, redis, rabbitmq, orthanc, project or dashboard: picks probes and resource requests.</summary>
    public required string ResourceKind { get; init; }

    public required string Image { get; init; }

    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    public IReadOnlyList<string> Arguments { get; init; } = [];

    public IReadOnlyList<WorkloadPort> Ports { get; init; } = [];

    public IReadOnlyList<VolumeMount> Volumes { get; init; } = [];

    /// <summary>A command in the container that succeeds when the server takes work (compose healthcheck form: CMD or CMD-SHELL first).</summary>
    public IReadOnlyList<string>? HealthCommand { get; init; }

    /// <summary>HTTP readiness (every dependency healthy) and liveness (the process answers) paths of a project.</summary>
    public string? ReadinessPath { get; init; }

    public string? LivenessPath { get; init; }

    public int Replicas { get; init; } = 1;

    public IReadOnlyList<WorkloadDependency> DependsOn { get; init; } = [];

    public ProjectResource? Project { get; init; }
}

internal static class DeploymentModel
{
    /// <summary>The telemetry workload's name: Aspire's own dashboard image, as Aspire's compose publisher adds it.</summary>
    public const string DashboardName = "aspire-dashboard";

    public static IReadOnlyList<Workload> Build(IDistributedApplicationBuilder builder, PublishedValues values)
    {
        var options = builder.Options;
        List<Workload> workloads = [];
        TelemetrySettings? telemetry = null;
        if (options.Dashboard.Enabled)
        {
            var (dashboard, settings) = Dashboard(builder, values);
            workloads.Add(dashboard);
            telemetry = settings;
        }

        foreach (var resource in builder.Resources)
        {
            switch (resource)
            {
                case ProjectResource project:
                    workloads.Add(new Workload
                    {
                        Name = project.Name,
                        Kind = WorkloadKind.Project,
                        ResourceKind = "project",
                        Image = ImageOf(project, options.Publish),
                        Project = project,
                        // No replica id: the platform names its replicas, and the OpenTelemetry SDK gives each its own instance id.
                        Environment = EnvironmentContract.For(project, 0, replicaId: null, builder.EnvironmentName, telemetry, values),
                        Ports = [.. project.Endpoints.Select(e => new WorkloadPort(e.Name, e.Scheme, e.TargetPort, e.IsExternal))],
                        Volumes = project.Volumes,
                        ReadinessPath = project.HealthCheckPath,
                        LivenessPath = project.HealthCheckPath is null ? null : "/alive",
                        Replicas = project.Replicas,
                        DependsOn = DependenciesOf(project),
                    });
                    break;
                case ServerResource server:
                    var spec = server.CreateContainerSpec(values);
                    workloads.Add(new Workload
                    {
                        Name = server.Name,
                        Kind = WorkloadKind.Server,
                        ResourceKind = server.Kind,
                        Image = spec.Image,
                        Environment = spec.Environment,
                        Arguments = spec.Arguments,
                        Ports = [.. server.Endpoints.Select(e => new WorkloadPort(e.Name, e.Scheme, e.TargetPort, e.IsExternal))],
                        Volumes = [new VolumeMount("data", spec.VolumeTarget, "")],
                        HealthCommand = server.ContainerHealthCommand,
                        DependsOn = DependenciesOf(server),
                    });
                    break;
                case PostgresDatabaseResource or ConnectionStringResource:
                    // A database is created by its service's migrations on the published server; a connection string is a parameter.
                    break;
                default:
                    throw new DistributedApplicationException(
                        $"'{resource.Name}' ({resource.Kind}) cannot be published: only projects and the servers (PostgreSQL, Redis, RabbitMQ, Orthanc) have a container form.");
            }
        }

        return workloads;
    }

    /// <summary>The image a project is published as: {registry/}{name}:{tag}, the name the SDK's container publish gives it.</summary>
    public static string ImageOf(ProjectResource project, PublishOptions options) =>
        $"{(string.IsNullOrEmpty(options.ImageRegistry) ? "" : options.ImageRegistry.TrimEnd('/') + "/")}{project.Name}:{options.ImageTag}";

    private static (Workload Dashboard, TelemetrySettings Telemetry) Dashboard(IDistributedApplicationBuilder builder, PublishedValues values)
    {
        var options = builder.Options.Dashboard;
        ParameterResource? Secret(string name, string? configured, bool needed) =>
            needed ? ServerBuilderExtensions.SecretParameter(builder, name, configured) : null;
        var token = Secret($"{DashboardName}-browser-token", options.BrowserToken, options.AuthMode == DashboardAuthMode.BrowserToken);
        var apiKey = Secret($"{DashboardName}-otlp-api-key", options.OtlpApiKey, options.OtlpAuthMode == OtlpAuthMode.ApiKey);
        var apiKeyText = apiKey is null ? null : values.Parameter(apiKey);
        var environment = AspireDashboardContainer.Settings(options, token is null ? "" : values.Parameter(token), apiKeyText);
        var dashboard = new Workload
        {
            Name = DashboardName,
            Kind = WorkloadKind.Dashboard,
            ResourceKind = "dashboard",
            Image = options.AspireContainerImage,
            Environment = environment,
            Ports =
            [
                new WorkloadPort("http", "http", AspireDashboardContainer.UiPort, External: true),
                new WorkloadPort("otlp-grpc", "http", AspireDashboardContainer.GrpcPort, External: false),
                new WorkloadPort("otlp-http", "http", AspireDashboardContainer.HttpPort, External: false),
            ],
        };
        var port = options.OtlpProtocol == "grpc" ? AspireDashboardContainer.GrpcPort : AspireDashboardContainer.HttpPort;
        var telemetry = new TelemetrySettings($"http://{DashboardName}:{port}", options.OtlpProtocol,
            apiKeyText is null ? null : $"{DashboardHost.ApiKeyHeader}={apiKeyText}");
        return (dashboard, telemetry);
    }

    private static List<WorkloadDependency> DependenciesOf(Resource resource)
    {
        List<WorkloadDependency> dependencies = [];
        foreach (var dependency in resource.WaitsFor)
        {
            var target = dependency is PostgresDatabaseResource database ? database.Parent : dependency;
            var healthy = target is ServerResource { ContainerHealthCommand: not null };
            if (target is not ConnectionStringResource && dependencies.All(d => d.Name != target.Name))
            {
                dependencies.Add(new WorkloadDependency(target.Name, healthy));
            }
        }

        return dependencies;
    }
}
