using System.Globalization;
using System.Text;
using AppHost.Hosting;

namespace AppHost.Publishing;

/// <summary>
/// docker-compose.yaml and .env in the style of Aspire's Docker Compose publisher: a service per workload, images of
/// the projects and every parameter as variables in .env, named volumes, health checks, depends_on from WaitFor.
/// </summary>
internal static class ComposePublisher
{
    public const string ComposeFile = "docker-compose.yaml";
    public const string EnvFile = ".env";

    public static IReadOnlyList<string> Publish(IDistributedApplicationBuilder builder, string output)
    {
        var values = new ComposeValues();
        var workloads = DeploymentModel.Build(builder, values);
        var publish = builder.Options.Publish;
        var variables = new List<(string Comment, string Name, string Value)>();
        var services = Yaml.Map();
        var volumes = Yaml.Map();
        var nextHostPort = publish.FirstHostPort;
        foreach (var workload in workloads)
        {
            var service = Yaml.Map();
            if (workload.Kind == WorkloadKind.Project)
            {
                var variable = $"{Variable(workload.Name)}_IMAGE";
                variables.Add(($"Container image of {workload.Name} (dotnet publish {RelativeProject(workload)} -t:PublishContainer)", variable, workload.Image));
                service["image"] = $"${{{variable}}}";
            }
            else
            {
                service["image"] = workload.Image;
            }

            if (workload.Arguments.Count > 0)
            {
                service["command"] = workload.Arguments.Select(ComposeValues.Escape).ToList();
            }

            if (workload.Environment.Count > 0)
            {
                var environment = Yaml.Map();
                foreach (var (key, value) in workload.Environment)
                {
                    environment[key] = value;
                }

                service["environment"] = environment;
            }

            List<string> ports = [];
            List<string> expose = [];
            foreach (var port in workload.Ports)
            {
                var target = port.TargetPort.ToString(CultureInfo.InvariantCulture);
                if (!port.External)
                {
                    expose.Add(target);
                }
                else if (workload.Replicas > 1)
                {
                    // Several replicas cannot share one host port: each gets a free one (put a proxy in front, see docs/deployment.md).
                    ports.Add(target);
                }
                else
                {
                    var variable = $"{Variable(workload.Name)}_PORT";
                    var hostPort = workload.Kind == WorkloadKind.Dashboard ? port.TargetPort : nextHostPort++;
                    variables.Add(($"Host port of {workload.Name}'s {port.Name} endpoint", variable, hostPort.ToString(CultureInfo.InvariantCulture)));
                    ports.Add($"${{{variable}}}:{target}");
                }
            }

            if (ports.Count > 0)
            {
                service["ports"] = ports;
            }

            if (expose.Count > 0)
            {
                service["expose"] = expose;
            }

            if (workload.Volumes.Count > 0)
            {
                List<string> mounts = [];
                foreach (var volume in workload.Volumes)
                {
                    var name = $"{workload.Name}-{volume.Name}";
                    volumes[name] = Yaml.Map();
                    mounts.Add($"{name}:{volume.Target}");
                }

                service["volumes"] = mounts;
            }

            if (workload.HealthCommand is { } health)
            {
                var check = Yaml.Map();
                check["test"] = health.Select(ComposeValues.Escape).ToList();
                check["interval"] = "5s";
                check["timeout"] = "5s";
                check["retries"] = 20;
                check["start_period"] = "10s";
                service["healthcheck"] = check;
            }

            if (workload.DependsOn.Count > 0)
            {
                var dependsOn = Yaml.Map();
                foreach (var dependency in workload.DependsOn)
                {
                    var condition = Yaml.Map();
                    condition["condition"] = dependency.Healthy ? "service_healthy" : "service_started";
                    dependsOn[dependency.Name] = condition;
                }

                service["depends_on"] = dependsOn;
            }

            if (workload.Replicas > 1)
            {
                var deploy = Yaml.Map();
                deploy["replicas"] = workload.Replicas;
                service["deploy"] = deploy;
            }

            service["restart"] = "unless-stopped";
            services[workload.Name] = service;
        }

        foreach (var parameter in values.UsedParameters)
        {
            variables.Add(($"Parameter {parameter.Name}{(parameter.Secret ? " (secret)" : "")}", parameter.VariableName, parameter.Value));
        }

        var document = Yaml.Map();
        document["services"] = services;
        if (volumes.Count > 0)
        {
            document["volumes"] = volumes;
        }

        Directory.CreateDirectory(output);
        var composePath = Path.Combine(output, ComposeFile);
        File.WriteAllText(composePath, Yaml.Serialize(document));
        var envPath = Path.Combine(output, EnvFile);
        PublishFiles.WritePrivate(envPath, EnvText(variables));
        return [composePath, envPath];
    }

    private static string EnvText(IEnumerable<(string Comment, string Name, string Value)> variables)
    {
        var text = new StringBuilder();
        text.AppendLine("# Written by `AppHost publish --target compose`. It holds the deployment's secrets: keep it private (mode 600), never commit it.");
        foreach (var (comment, name, value) in variables)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"# {comment}");
            text.AppendLine(CultureInfo.InvariantCulture, $"{name}={value}");
        }

        return text.ToString();
    }

    private static string Variable(string name) => name.ToUpperInvariant().Replace('-', '_');

    private static string RelativeProject(Workload workload) => Path.GetFileName(workload.Project!.Metadata.ProjectPath);
}
