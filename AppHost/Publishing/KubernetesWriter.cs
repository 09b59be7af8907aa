using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;
using static AppHost.Publishing.PublishFiles;

namespace AppHost.Publishing;

/// <summary>
/// Kubernetes objects in the folder layout of Aspire's Kubernetes publisher (templates/{resource}/…), as plain
/// manifests with a kustomization.yaml (`kubectl apply -k`), not a Helm chart: see docs/decisions/0012-publishing.md.
/// Projects and the dashboard are Deployments, servers StatefulSets with a claim per volume; a variable goes to the
/// workload's Secret when it holds a secret parameter, to its ConfigMap otherwise.
/// </summary>
internal static class KubernetesWriter
{
    public const string PartOf = "imaging-platform";

    /// <summary>The Secret with every parameter's value, as a record of what to provide and what a later publish here reuses.</summary>
    public const string ParametersName = "parameters";

    // The non-root user of the .NET container images (app, 1654): the projects run as it, and it owns their volumes.
    private const long AppUser = 1654;

    public static async Task<IReadOnlyList<string>> WriteAsync(List<Workload> workloads, PublishCommand command, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var templates = Path.Combine(command.Output, "templates");
        var previous = ReadStringData(Path.Combine(templates, ParametersName, "secrets.yaml"));
        var values = await ParameterValuesAsync(workloads, configuration, p => previous.GetValueOrDefault(p.Name), cancellationToken);
        string Text(PublishedValue value) => string.Concat(value.Parts.Select(part => part switch
        {
            ParameterPart { Uri: true } p => Uri.EscapeDataString(values[p.Parameter]),
            ParameterPart p => values[p.Parameter],
            _ => (string)part,
        }));

        if (Directory.Exists(templates))
        {
            // A workload taken out of the model must not linger in the next apply.
            Directory.Delete(templates, recursive: true);
        }

        List<string> written = [];
        void Write(string folder, string file, object document)
        {
            var path = Path.Combine(Directory.CreateDirectory(Path.Combine(templates, folder)).FullName, file);
            (file == "secrets.yaml" ? (Action<string, string>)WritePrivate : File.WriteAllText)(path, Yaml(document));
            written.Add(path);
        }

        // A claim of a Deployment is written once, by the first workload that mounts it; it is ReadWriteMany when pods of
        // several replicas or workloads mount it (ResultsApi's storage, read by the file front), as they may run on other nodes.
        var claims = workloads.Where(w => !w.IsServer).SelectMany(w => w.Volumes.Select(v => (Workload: w, Volume: v)))
            .GroupBy(m => m.Volume.Name)
            .ToDictionary(g => g.Key, g => (Owner: g.First().Workload.Name, Shared: g.Count() > 1 || g.Any(m => m.Workload.Replicas > 1)));

        foreach (var workload in workloads)
        {
            var labels = Labels(workload.Name, workload.Component);
            var config = workload.Environment.Where(e => !e.Value.HoldsSecret).ToDictionary(e => e.Key, e => Text(e.Value));
            var secrets = workload.Environment.Where(e => e.Value.HoldsSecret).ToDictionary(e => e.Key, e => Text(e.Value));
            if (config.Count > 0)
            {
                Write(workload.Name, "config.yaml", new { apiVersion = "v1", kind = "ConfigMap", metadata = new { name = $"{workload.Name}-config", labels }, data = config });
            }

            if (secrets.Count > 0)
            {
                Write(workload.Name, "secrets.yaml", new { apiVersion = "v1", kind = "Secret", metadata = new { name = $"{workload.Name}-secrets", labels }, type = "Opaque", stringData = secrets });
            }

            var container = new
            {
                name = workload.Name,
                image = workload.Image,
                imagePullPolicy = "IfNotPresent",
                command = workload.Entrypoint is { } entrypoint ? new[] { entrypoint } : null,
                // Kubernetes expands $(NAME) in a container's arguments: $$( keeps a literal one.
                args = NonEmpty(workload.Arguments.Select(a => Text(a).Replace("$(", "$$(", StringComparison.Ordinal))),
                ports = NonEmpty(workload.Ports.Select(p => new { name = p.Name, containerPort = p.TargetPort, protocol = "TCP" })),
                envFrom = NonEmpty(new object?[]
                {
                    config.Count > 0 ? new { configMapRef = new { name = $"{workload.Name}-config" } } : null,
                    secrets.Count > 0 ? new { secretRef = new { name = $"{workload.Name}-secrets" } } : null,
                }.OfType<object>()),
                readinessProbe = Probe(workload, readiness: true),
                livenessProbe = Probe(workload, readiness: false),
                resources = ResourcesFor(workload.Component),
                // A fresh claim's root may hold lost+found, which PostgreSQL refuses as its data folder: servers use a folder in it.
                volumeMounts = NonEmpty(workload.Volumes.Select(v => new { name = v.Name, mountPath = v.Target, subPath = workload.IsServer ? "data" : null, readOnly = v.ReadOnly ? true : (bool?)null })),
            };
            var pod = new
            {
                securityContext = workload.Component == "project" ? new { runAsNonRoot = true, runAsUser = AppUser, runAsGroup = AppUser, fsGroup = AppUser } : null,
                containers = new[] { container },
                volumes = workload.IsServer ? null : NonEmpty(workload.Volumes.Select(v => new { name = v.Name, persistentVolumeClaim = new { claimName = v.Name } })),
            };
            var selector = new { matchLabels = Labels(workload.Name, component: null) };
            var template = new { metadata = new { labels }, spec = pod };
            var metadata = new { name = workload.Name, labels };
            if (workload.IsServer)
            {
                var claimTemplates = NonEmpty(workload.Volumes.Select(v => new { metadata = new { name = v.Name }, spec = Claim("ReadWriteOnce", "10Gi") }));
                var spec = new { serviceName = workload.Name, replicas = workload.Replicas, selector, template, volumeClaimTemplates = claimTemplates };
                Write(workload.Name, "statefulset.yaml", new { apiVersion = "apps/v1", kind = "StatefulSet", metadata, spec });
            }
            else
            {
                foreach (var volume in workload.Volumes.Where(v => claims[v.Name].Owner == workload.Name))
                {
                    var claim = Claim(claims[volume.Name].Shared ? "ReadWriteMany" : "ReadWriteOnce", "50Gi");
                    Write(workload.Name, $"{volume.Name}.yaml", new { apiVersion = "v1", kind = "PersistentVolumeClaim", metadata = new { name = volume.Name, labels }, spec = claim });
                }

                // A ReadWriteOnce claim follows one pod at a time: the old pod stops before the new one mounts it.
                var strategy = workload.Volumes.Any(v => !claims[v.Name].Shared) ? new { type = "Recreate" } : null;
                var spec = new { replicas = workload.Replicas, strategy, selector, template };
                Write(workload.Name, "deployment.yaml", new { apiVersion = "apps/v1", kind = "Deployment", metadata, spec });
            }

            if (workload.Ports.Count > 0)
            {
                var ports = workload.Ports.Select(p => new { name = p.Name, port = p.TargetPort, targetPort = p.Name, protocol = "TCP" }).ToList();
                var spec = new { type = "ClusterIP", selector = Labels(workload.Name, component: null), ports };
                Write(workload.Name, "service.yaml", new { apiVersion = "v1", kind = "Service", metadata, spec });
            }
        }

        var parameters = new OrderedDictionary<string, string>(values.Select(v => KeyValuePair.Create(v.Key.Name, v.Value)));
        var parametersMetadata = new { name = ParametersName, labels = Labels(ParametersName, ParametersName) };
        Write(ParametersName, "secrets.yaml", new { apiVersion = "v1", kind = "Secret", metadata = parametersMetadata, type = "Opaque", stringData = parameters });

        var kustomizationPath = Path.Combine(command.Output, "kustomization.yaml");
        var resources = written.Select(p => Path.GetRelativePath(command.Output, p).Replace('\\', '/')).ToList();
        await File.WriteAllTextAsync(kustomizationPath, Yaml(new { apiVersion = "kustomize.config.k8s.io/v1beta1", kind = "Kustomization", resources }), cancellationToken);
        return [.. written, kustomizationPath];
    }

    /// <summary>stringData of a Secret a previous publish wrote, if any.</summary>
    private static Dictionary<string, string> ReadStringData(string path)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.Exists(path) ? File.ReadAllText(path) : "{}"));
        return ((YamlMappingNode)stream.Documents[0].RootNode).Children.TryGetValue(new YamlScalarNode("stringData"), out var data)
            ? ((YamlMappingNode)data).Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value ?? "", StringComparer.Ordinal)
            : [];
    }

    private static Dictionary<string, string> Labels(string workload, string? component) => component is null
        ? new() { ["app.kubernetes.io/name"] = workload }
        : new()
        {
            ["app.kubernetes.io/name"] = workload,
            ["app.kubernetes.io/component"] = component,
            ["app.kubernetes.io/part-of"] = PartOf,
            ["app.kubernetes.io/managed-by"] = "apphost",
        };

    private static object Claim(string accessMode, string size) => new { accessModes = new[] { accessMode }, resources = new { requests = new { storage = size } } };

    /// <summary>Projects over HTTP (/health ready, /alive live), servers by their health command, else a TCP connect as readiness.</summary>
    private static Dictionary<string, object>? Probe(Workload workload, bool readiness)
    {
        var health = workload.HealthCommand;
        (string Kind, object Action)? probe = workload.HttpProbes ? ("httpGet", new { path = readiness ? "/health" : "/alive", port = "http" })
            // Compose's test form: CMD-SHELL runs through a shell, CMD runs the rest as it is.
            : health is not null ? ("exec", new { command = health[0] == "CMD-SHELL" ? ["/bin/sh", "-c", health[1]] : health.Skip(1).ToArray() })
            : readiness && workload.Ports.Count > 0 ? ("tcpSocket", new { port = workload.Ports[0].Name })
            : null;
        return probe is not { } chosen ? null : new()
        {
            [chosen.Kind] = chosen.Action,
            // A server's own command is cheap: asked often while it starts, seldom once it is up.
            ["periodSeconds"] = health is null || workload.HttpProbes ? 10 : readiness ? 5 : 20,
            ["timeoutSeconds"] = 5,
            ["failureThreshold"] = readiness ? 3 : 6,
        };
    }

    /// <summary>Requests a node must have free, and a memory ceiling: a starting point to tune per site (docs/deployment.md).</summary>
    private static object ResourcesFor(string component)
    {
        var (cpu, memory, limit) = component switch
        {
            "postgres" or "orthanc" => ("250m", "512Mi", "2Gi"),
            "rabbitmq" => ("250m", "512Mi", "1Gi"),
            "redis" => ("100m", "128Mi", "512Mi"),
            "dashboard" => ("100m", "256Mi", "1Gi"),
            _ => ("250m", "256Mi", "2Gi"),
        };
        return new { requests = new { cpu, memory }, limits = new { memory = limit } };
    }
}
