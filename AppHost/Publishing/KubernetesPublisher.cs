using AppHost.Hosting;

namespace AppHost.Publishing;

/// <summary>
/// Kubernetes objects in the folder layout of Aspire's Kubernetes publisher (templates/{resource}/…), as plain
/// manifests with a kustomization.yaml (`kubectl apply -k`), not a Helm chart: see docs/decisions/0012-publishing.md.
/// Projects and the dashboard are Deployments, servers StatefulSets with a claim per replica; environment goes to a
/// ConfigMap, anything that holds a secret to a Secret.
/// </summary>
internal static class KubernetesPublisher
{
    public const string PartOf = "imaging-platform";

    // The non-root user of the .NET container images (app, 1654): the projects run as it, and it owns their volumes.
    private const long AppUser = 1654;

    public static IReadOnlyList<string> Publish(IDistributedApplicationBuilder builder, string output)
    {
        var values = new KubernetesValues();
        var workloads = DeploymentModel.Build(builder, values);
        var templates = Path.Combine(output, "templates");
        if (Directory.Exists(templates))
        {
            // A workload removed from the model must not linger in the next apply.
            Directory.Delete(templates, recursive: true);
        }

        List<string> written = [];
        List<string> resources = [];
        foreach (var workload in workloads)
        {
            var folder = Path.Combine(templates, workload.Name);
            Directory.CreateDirectory(folder);
            void Write(string file, object document, bool secret = false)
            {
                var path = Path.Combine(folder, file);
                var text = Yaml.Serialize(document);
                if (secret)
                {
                    PublishFiles.WritePrivate(path, text);
                }
                else
                {
                    File.WriteAllText(path, text);
                }

                written.Add(path);
                resources.Add(Path.GetRelativePath(output, path).Replace('\\', '/'));
            }

            var config = Yaml.Map();
            var secrets = Yaml.Map();
            foreach (var (key, value) in workload.Environment)
            {
                (values.HoldsSecret(value) ? secrets : config)[key] = value;
            }

            if (config.Count > 0)
            {
                Write("config.yaml", Object("v1", "ConfigMap", $"{workload.Name}-config", workload, ("data", config)));
            }

            if (secrets.Count > 0)
            {
                Write("secrets.yaml", Object("v1", "Secret", $"{workload.Name}-secrets", workload, ("type", "Opaque"), ("stringData", secrets)), secret: true);
            }

            foreach (var volume in workload.Volumes.Where(_ => workload.Kind != WorkloadKind.Server))
            {
                Write($"{volume.Name}.yaml", Object("v1", "PersistentVolumeClaim", $"{workload.Name}-{volume.Name}", workload,
                    ("spec", Claim(workload.Replicas > 1 ? "ReadWriteMany" : "ReadWriteOnce", "50Gi"))));
            }

            if (workload.Kind == WorkloadKind.Server)
            {
                Write("statefulset.yaml", Object("apps/v1", "StatefulSet", workload.Name, workload, ("spec", StatefulSetSpec(workload, config.Count > 0, secrets.Count > 0))));
            }
            else
            {
                Write("deployment.yaml", Object("apps/v1", "Deployment", workload.Name, workload, ("spec", DeploymentSpec(workload, config.Count > 0, secrets.Count > 0))));
            }

            if (workload.Ports.Count > 0)
            {
                Write("service.yaml", Object("v1", "Service", workload.Name, workload, ("spec", ServiceSpec(workload))));
            }
        }

        var kustomization = Yaml.Map();
        kustomization["apiVersion"] = "kustomize.config.k8s.io/v1beta1";
        kustomization["kind"] = "Kustomization";
        kustomization["resources"] = resources;
        var kustomizationPath = Path.Combine(output, "kustomization.yaml");
        File.WriteAllText(kustomizationPath, Yaml.Serialize(kustomization));
        written.Add(kustomizationPath);
        return written;
    }

    private static OrderedDictionary<string, object?> Object(string apiVersion, string kind, string name, Workload workload, params (string Key, object Value)[] body)
    {
        var document = Yaml.Map();
        document["apiVersion"] = apiVersion;
        document["kind"] = kind;
        var metadata = Yaml.Map();
        metadata["name"] = name;
        metadata["labels"] = Labels(workload, all: true);
        document["metadata"] = metadata;
        foreach (var (key, value) in body)
        {
            document[key] = value;
        }

        return document;
    }

    private static OrderedDictionary<string, object?> Labels(Workload workload, bool all)
    {
        var labels = Yaml.Map();
        labels["app.kubernetes.io/name"] = workload.Name;
        if (all)
        {
            labels["app.kubernetes.io/component"] = workload.ResourceKind;
            labels["app.kubernetes.io/part-of"] = PartOf;
            labels["app.kubernetes.io/managed-by"] = "apphost";
        }

        return labels;
    }

    private static OrderedDictionary<string, object?> DeploymentSpec(Workload workload, bool hasConfig, bool hasSecrets)
    {
        var spec = Yaml.Map();
        spec["replicas"] = workload.Replicas;
        if (workload.Volumes.Count > 0 && workload.Replicas == 1)
        {
            // A ReadWriteOnce claim follows one pod at a time: stop the old pod before the new one mounts it.
            var strategy = Yaml.Map();
            strategy["type"] = "Recreate";
            spec["strategy"] = strategy;
        }

        spec["selector"] = Selector(workload);
        spec["template"] = PodTemplate(workload, hasConfig, hasSecrets);
        return spec;
    }

    private static OrderedDictionary<string, object?> StatefulSetSpec(Workload workload, bool hasConfig, bool hasSecrets)
    {
        var spec = Yaml.Map();
        spec["serviceName"] = workload.Name;
        spec["replicas"] = workload.Replicas;
        spec["selector"] = Selector(workload);
        spec["template"] = PodTemplate(workload, hasConfig, hasSecrets);
        var claim = Yaml.Map();
        var metadata = Yaml.Map();
        metadata["name"] = "data";
        claim["metadata"] = metadata;
        claim["spec"] = Claim("ReadWriteOnce", "10Gi");
        spec["volumeClaimTemplates"] = new List<object> { claim };
        return spec;
    }

    private static OrderedDictionary<string, object?> Selector(Workload workload)
    {
        var selector = Yaml.Map();
        selector["matchLabels"] = Labels(workload, all: false);
        return selector;
    }

    private static OrderedDictionary<string, object?> Claim(string accessMode, string size)
    {
        var spec = Yaml.Map();
        spec["accessModes"] = new List<string> { accessMode };
        var requests = Yaml.Map();
        requests["storage"] = size;
        var resources = Yaml.Map();
        resources["requests"] = requests;
        spec["resources"] = resources;
        return spec;
    }

    private static OrderedDictionary<string, object?> PodTemplate(Workload workload, bool hasConfig, bool hasSecrets)
    {
        var container = Yaml.Map();
        container["name"] = workload.Name;
        container["image"] = workload.Image;
        container["imagePullPolicy"] = "IfNotPresent";
        if (workload.Arguments.Count > 0)
        {
            container["args"] = workload.Arguments.ToList();
        }

        if (workload.Ports.Count > 0)
        {
            container["ports"] = workload.Ports.Select(p =>
            {
                var port = Yaml.Map();
                port["name"] = p.Name;
                port["containerPort"] = p.TargetPort;
                port["protocol"] = "TCP";
                return port;
            }).ToList();
        }

        List<object> envFrom = [];
        if (hasConfig)
        {
            envFrom.Add(Reference("configMapRef", $"{workload.Name}-config"));
        }

        if (hasSecrets)
        {
            envFrom.Add(Reference("secretRef", $"{workload.Name}-secrets"));
        }

        if (envFrom.Count > 0)
        {
            container["envFrom"] = envFrom;
        }

        if (workload.ReadinessPath is { } readiness)
        {
            container["readinessProbe"] = HttpProbe(readiness, periodSeconds: 10, failureThreshold: 3);
            container["livenessProbe"] = HttpProbe(workload.LivenessPath ?? readiness, periodSeconds: 10, failureThreshold: 6);
        }
        else if (workload.HealthCommand is { } command)
        {
            container["readinessProbe"] = ExecProbe(command, periodSeconds: 5, failureThreshold: 3);
            container["livenessProbe"] = ExecProbe(command, periodSeconds: 20, failureThreshold: 6);
        }
        else if (workload.Ports.FirstOrDefault() is { } first)
        {
            var tcp = Yaml.Map();
            var socket = Yaml.Map();
            socket["port"] = first.Name;
            tcp["tcpSocket"] = socket;
            tcp["periodSeconds"] = 10;
            container["readinessProbe"] = tcp;
        }

        container["resources"] = ResourcesFor(workload.ResourceKind);
        if (workload.Volumes.Count > 0)
        {
            container["volumeMounts"] = workload.Volumes.Select(v =>
            {
                var mount = Yaml.Map();
                mount["name"] = v.Name;
                mount["mountPath"] = v.Target;
                if (workload.Kind == WorkloadKind.Server)
                {
                    // A fresh claim's root may hold lost+found, which PostgreSQL refuses as its data folder.
                    mount["subPath"] = v.Name;
                }

                return mount;
            }).ToList();
        }

        var pod = Yaml.Map();
        if (workload.Kind == WorkloadKind.Project)
        {
            var security = Yaml.Map();
            security["runAsNonRoot"] = true;
            security["runAsUser"] = AppUser;
            security["runAsGroup"] = AppUser;
            security["fsGroup"] = AppUser;
            pod["securityContext"] = security;
        }

        pod["containers"] = new List<object> { container };
        if (workload.Kind != WorkloadKind.Server && workload.Volumes.Count > 0)
        {
            pod["volumes"] = workload.Volumes.Select(v =>
            {
                var volume = Yaml.Map();
                volume["name"] = v.Name;
                var claim = Yaml.Map();
                claim["claimName"] = $"{workload.Name}-{v.Name}";
                volume["persistentVolumeClaim"] = claim;
                return volume;
            }).ToList();
        }

        var metadata = Yaml.Map();
        metadata["labels"] = Labels(workload, all: true);
        var template = Yaml.Map();
        template["metadata"] = metadata;
        template["spec"] = pod;
        return template;
    }

    private static OrderedDictionary<string, object?> Reference(string kind, string name)
    {
        var inner = Yaml.Map();
        inner["name"] = name;
        var reference = Yaml.Map();
        reference[kind] = inner;
        return reference;
    }

    private static OrderedDictionary<string, object?> HttpProbe(string path, int periodSeconds, int failureThreshold)
    {
        var get = Yaml.Map();
        get["path"] = path;
        get["port"] = "http";
        var probe = Yaml.Map();
        probe["httpGet"] = get;
        probe["periodSeconds"] = periodSeconds;
        probe["timeoutSeconds"] = 5;
        probe["failureThreshold"] = failureThreshold;
        return probe;
    }

    private static OrderedDictionary<string, object?> ExecProbe(IReadOnlyList<string> healthCommand, int periodSeconds, int failureThreshold)
    {
        // Compose's test form: CMD-SHELL runs through a shell, CMD runs the rest as it is.
        List<string> command = healthCommand[0] == "CMD-SHELL" ? ["/bin/sh", "-c", healthCommand[1]] : [.. healthCommand.Skip(1)];
        var exec = Yaml.Map();
        exec["command"] = command;
        var probe = Yaml.Map();
        probe["exec"] = exec;
        probe["periodSeconds"] = periodSeconds;
        probe["timeoutSeconds"] = 5;
        probe["failureThreshold"] = failureThreshold;
        return probe;
    }

    /// <summary>Requests a node must have free, and a memory ceiling; a starting point to tune per site (docs/deployment.md).</summary>
    private static OrderedDictionary<string, object?> ResourcesFor(string kind)
    {
        var (cpu, memory, limit) = kind switch
        {
            "postgres" => ("250m", "512Mi", "2Gi"),
            "rabbitmq" => ("250m", "512Mi", "1Gi"),
            "redis" => ("100m", "128Mi", "512Mi"),
            "orthanc" => ("250m", "512Mi", "2Gi"),
            "dashboard" => ("100m", "256Mi", "1Gi"),
            _ => ("250m", "256Mi", "2Gi"),
        };
        var requests = Yaml.Map();
        requests["cpu"] = cpu;
        requests["memory"] = memory;
        var limits = Yaml.Map();
        limits["memory"] = limit;
        var resources = Yaml.Map();
        resources["requests"] = requests;
        resources["limits"] = limits;
        return resources;
    }

    private static OrderedDictionary<string, object?> ServiceSpec(Workload workload)
    {
        var spec = Yaml.Map();
        spec["type"] = "ClusterIP";
        spec["selector"] = Labels(workload, all: false);
        spec["ports"] = workload.Ports.Select(p =>
        {
            var port = Yaml.Map();
            port["name"] = p.Name;
            port["port"] = p.TargetPort;
            port["targetPort"] = p.Name;
            port["protocol"] = "TCP";
            return port;
        }).ToList();
        return spec;
    }
}
