using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using static AppHost.Publishing.PublishFiles;

namespace AppHost.Publishing;

/// <summary>
/// docker-compose.yaml and .env, in the style of Aspire's Docker Compose publisher: a service per workload, every
/// parameter a ${VARIABLE} with its value in .env (mode 600), named volumes, health checks and depends_on from WaitFor.
/// </summary>
internal static class ComposeWriter
{
    public const string ComposeFile = "docker-compose.yaml";
    public const string EnvFile = ".env";

    // Host ports of the services' external endpoints: the first, then one more for each.
    private const int FirstHostPort = 8001;

    public static async Task<IReadOnlyList<string>> WriteAsync(List<Workload> workloads, PublishCommand command, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var envPath = Path.Combine(command.Output, EnvFile);
        var previous = !File.Exists(envPath) ? [] : File.ReadLines(envPath)
            .Where(line => !line.StartsWith('#') && line.Contains('=', StringComparison.Ordinal))
            .Select(line => line.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        var values = await ParameterValuesAsync(workloads, configuration, p => previous.GetValueOrDefault(Variable(p.Name)), cancellationToken);
        List<(string Comment, string Name, string Value)> variables = [];
        // A value that changes when escaped for a URI gets a variable of its own, escaped; the plain one stays as it is.
        var escaped = workloads.SelectMany(w => w.ParameterParts).Where(p => p.Uri && Uri.EscapeDataString(values[p.Parameter]) != values[p.Parameter])
            .Select(p => p.Parameter).ToHashSet();
        string Text(PublishedValue value) => string.Concat(value.Parts.Select(part => part is ParameterPart p
            ? $"${{{Variable(p.Parameter.Name)}{(p.Uri && escaped.Contains(p.Parameter) ? "_URI" : "")}}}"
            // Compose reads $ as its own: a literal one (e.g. $REDIS_PASSWORD for the container's shell) is doubled.
            : Escape((string)part)));

        Dictionary<string, object> services = [];
        var nextHostPort = FirstHostPort;
        foreach (var workload in workloads)
        {
            var image = workload.Image;
            if (workload.ProjectPath is { } project)
            {
                var variable = $"{Variable(workload.Name)}_IMAGE";
                variables.Add(($"Container image of {workload.Name} (dotnet publish {Path.GetFileName(project)} -t:PublishContainer)", variable, image));
                image = $"${{{variable}}}";
            }

            List<string> ports = [];
            foreach (var port in workload.Ports.Where(p => p.External))
            {
                var target = port.TargetPort.ToString(CultureInfo.InvariantCulture);
                if (workload.Replicas > 1)
                {
                    // Replicas cannot share one host port: each gets a free one (put a proxy in front, see docs/deployment.md).
                    ports.Add(target);
                    continue;
                }

                var variable = $"{Variable(workload.Name)}{(port.Name == "http" ? "" : "_" + Variable(port.Name))}_PORT";
                var hostPort = workload.Component == "dashboard" ? target : (nextHostPort++).ToString(CultureInfo.InvariantCulture);
                variables.Add(($"Host port of {workload.Name}'s {port.Name} endpoint", variable, previous.GetValueOrDefault(variable, hostPort)));
                ports.Add($"${{{variable}}}:{target}");
            }

            services[workload.Name] = new
            {
                image,
                entrypoint = workload.Entrypoint is { } entrypoint ? new[] { Escape(entrypoint) } : null,
                command = NonEmpty(workload.Arguments.Select(Text)),
                environment = workload.Environment.Count == 0 ? null : new OrderedDictionary<string, string>(workload.Environment.Select(e => KeyValuePair.Create(e.Key, Text(e.Value)))),
                ports = NonEmpty(ports),
                expose = NonEmpty(workload.Ports.Where(p => !p.External).Select(p => p.TargetPort.ToString(CultureInfo.InvariantCulture))),
                volumes = NonEmpty(workload.Volumes.Select(v => $"{v.Name}:{v.Target}{(v.ReadOnly ? ":ro" : "")}")),
                healthcheck = workload.HealthCommand is { } health
                    ? new { test = health.Select(Escape).ToList(), interval = "5s", timeout = "5s", retries = 20, start_period = "10s" }
                    : null,
                depends_on = workload.DependsOn.Count == 0 ? null : workload.DependsOn.ToDictionary(d => d.Name, d => new { condition = d.Condition }),
                deploy = workload.Replicas > 1 ? new { replicas = workload.Replicas } : null,
                restart = "unless-stopped",
            };
        }

        foreach (var (parameter, value) in values)
        {
            variables.Add(($"Parameter {parameter.Name}{(parameter.Secret ? " (secret)" : "")}", Variable(parameter.Name), value));
            if (escaped.Contains(parameter))
            {
                variables.Add(($"Parameter {parameter.Name}, escaped for a URI", $"{Variable(parameter.Name)}_URI", Uri.EscapeDataString(value)));
            }
        }

        var volumes = workloads.SelectMany(w => w.Volumes).DistinctBy(v => v.Name).ToDictionary(v => v.Name, _ => new Dictionary<string, string>());
        Directory.CreateDirectory(command.Output);
        var composePath = Path.Combine(command.Output, ComposeFile);
        await File.WriteAllTextAsync(composePath, Yaml(new { services, volumes = volumes.Count == 0 ? null : volumes }), cancellationToken);
        var env = new StringBuilder("# Written by `AppHost publish --target compose`. It holds the deployment's secrets: keep it private (mode 600), never commit it.\n");
        foreach (var (comment, name, value) in variables)
        {
            env.Append(CultureInfo.InvariantCulture, $"# {comment}\n{name}={value}\n");
        }

        WritePrivate(envPath, env.ToString());
        return [composePath, envPath];
    }

    public static string Variable(string name) => name.ToUpperInvariant().Replace('-', '_');

    private static string Escape(string text) => text.Replace("$", "$$", StringComparison.Ordinal);
}
