using Imaging.LocalServers;
using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace AppHost.Tests.Publishing;

/// <summary>
/// The Kubernetes objects `publish --target kubernetes` writes: each file read strictly into KubernetesClient's typed
/// models (an unknown or misspelt field fails), and every selector, port, probe, ConfigMap, Secret and claim they name
/// defined among them. No cluster here, so `kubectl apply --validate` cannot run; `kubectl kustomize` does.
/// </summary>
public sealed class KubernetesPublishTests
{
    private const string KubernetesParameters = "parameters";

    [Fact]
    public async Task Every_object_is_a_valid_Kubernetes_object_and_every_reference_resolves()
    {
        using var model = await PublishedModel.PublishAsync("kubernetes", "--WorkflowWorker:Replicas=2", "--ImagingImport:LocalPacs=true");
        var objects = LoadAll(model);

        var deployments = objects.OfType<V1Deployment>().ToDictionary(d => d.Metadata.Name);
        var statefulSets = objects.OfType<V1StatefulSet>().ToDictionary(s => s.Metadata.Name);
        var services = objects.OfType<V1Service>().ToDictionary(s => s.Metadata.Name);
        var configMaps = objects.OfType<V1ConfigMap>().ToDictionary(c => c.Metadata.Name);
        var secrets = objects.OfType<V1Secret>().ToDictionary(s => s.Metadata.Name);
        var claims = objects.OfType<V1PersistentVolumeClaim>().ToDictionary(c => c.Metadata.Name);

        Assert.Equal(["aspire-dashboard", "imagingimport", "resultsapi", "workflowworker"], deployments.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["messaging", "pacs", "postgres", "redis"], statefulSets.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, deployments["workflowworker"].Spec.Replicas);

        var pods = deployments.Values.Select(d => (d.Metadata.Name, d.Spec.Selector, d.Spec.Template, Claims: (IList<V1PersistentVolumeClaim>?)null))
            .Concat(statefulSets.Values.Select(s => (s.Metadata.Name, s.Spec.Selector, s.Spec.Template, Claims: (IList<V1PersistentVolumeClaim>?)s.Spec.VolumeClaimTemplates)))
            .ToList();
        foreach (var (name, selector, template, templateClaims) in pods)
        {
            Assert.All(selector.MatchLabels, l => Assert.Equal(l.Value, template.Metadata.Labels[l.Key]));
            var container = Assert.Single(template.Spec.Containers);
            Assert.NotNull(container.Resources.Requests["cpu"]);
            Assert.NotNull(container.Resources.Requests["memory"]);
            Assert.NotNull(container.Resources.Limits["memory"]);
            Assert.NotNull(container.ReadinessProbe);
            var portNames = container.Ports.Select(p => p.Name).ToHashSet();
            foreach (var probe in new[] { container.ReadinessProbe, container.LivenessProbe }.Where(p => p is not null))
            {
                if (probe!.HttpGet is { } get)
                {
                    Assert.Contains(get.Port.Value, portNames);
                }
                else if (probe.TcpSocket is { } tcp)
                {
                    Assert.Contains(tcp.Port.Value, portNames);
                }
                else
                {
                    Assert.NotEmpty(probe.Exec.Command);
                }
            }

            foreach (var source in container.EnvFrom ?? [])
            {
                Assert.True(source.ConfigMapRef is null || configMaps.ContainsKey(source.ConfigMapRef.Name), $"{name}: no ConfigMap {source.ConfigMapRef?.Name}");
                Assert.True(source.SecretRef is null || secrets.ContainsKey(source.SecretRef.Name), $"{name}: no Secret {source.SecretRef?.Name}");
            }

            foreach (var mount in container.VolumeMounts ?? [])
            {
                var volume = template.Spec.Volumes?.SingleOrDefault(v => v.Name == mount.Name);
                Assert.True(volume is not null || templateClaims?.Any(c => c.Metadata.Name == mount.Name) == true, $"{name}: mount {mount.Name} has no volume");
                Assert.True(volume?.PersistentVolumeClaim is null || claims.ContainsKey(volume.PersistentVolumeClaim.ClaimName), $"{name}: no claim for {mount.Name}");
            }
        }

        // The projects: readiness on /health, liveness on /alive, non-root, their settings in ConfigMap and Secret.
        foreach (var project in new[] { "resultsapi", "workflowworker", "imagingimport" })
        {
            var spec = deployments[project].Spec.Template.Spec;
            var container = spec.Containers[0];
            Assert.Equal("/health", container.ReadinessProbe.HttpGet.Path);
            Assert.Equal("/alive", container.LivenessProbe.HttpGet.Path);
            Assert.True(spec.SecurityContext.RunAsNonRoot);
            Assert.Equal(8080, container.Ports.Single(p => p.Name == "http").ContainerPort);
            Assert.Equal("8080", configMaps[$"{project}-config"].Data["HTTP_PORTS"]);
        }

        // Every Service selects some pod and targets a port that pod names; every StatefulSet's serviceName is a Service.
        foreach (var service in services.Values)
        {
            var pod = pods.Single(p => service.Spec.Selector.All(l => p.Template.Metadata.Labels.TryGetValue(l.Key, out var v) && v == l.Value));
            var ports = pod.Template.Spec.Containers[0].Ports.Select(p => p.Name).ToHashSet();
            Assert.All(service.Spec.Ports, p => Assert.Contains(p.TargetPort.Value, ports));
        }

        Assert.All(statefulSets.Values, s => Assert.Contains(s.Spec.ServiceName, services.Keys));

        // Every address a service is given (connection strings, service discovery, OTLP) names a Service and one of its ports.
        var environment = configMaps.Values.SelectMany(c => c.Data).Concat(secrets.Values.SelectMany(s => s.StringData ?? new Dictionary<string, string>()));
        var addresses = environment.SelectMany(e => Addresses(e.Value)).Distinct().ToList();
        Assert.Contains(("postgres", 5432), addresses);
        Assert.Contains(("resultsapi", 8080), addresses);
        Assert.Contains(("aspire-dashboard", 18889), addresses);
        Assert.Contains(("pacs", 8042), addresses);
        foreach (var (host, port) in addresses)
        {
            Assert.True(services.TryGetValue(host, out var service) && service.Spec.Ports.Any(p => p.Port == port), $"{host}:{port} is not a Service port");
        }

        // Secrets only in Secrets: no ConfigMap value holds one, plain or escaped for a URI.
        var parameters = secrets[KubernetesParameters].StringData;
        Assert.Contains("postgres-password", parameters.Keys);
        Assert.Contains("pacs-password", parameters.Keys);
        var secretValues = parameters.Values.SelectMany(v => new[] { v, Uri.EscapeDataString(v) }).ToList();
        Assert.All(configMaps.Values.SelectMany(c => c.Data), e => Assert.DoesNotContain(secretValues, s => e.Value.Contains(s, StringComparison.Ordinal)));
        Assert.Equal($"Host=postgres;Port=5432;Username=postgres;Password={parameters["postgres-password"]};Database=resultsdb",
            secrets["resultsapi-secrets"].StringData["ConnectionStrings__resultsdb"]);
        Assert.Equal($"http://orthanc:{Uri.EscapeDataString(parameters["pacs-password"])}@pacs:8042/", secrets["imagingimport-secrets"].StringData["ConnectionStrings__pacs"]);
        Assert.Equal("http://resultsapi:8080", configMaps["workflowworker-config"].Data["services__resultsapi__http__0"]);
        foreach (var file in new[] { "templates/postgres/secrets.yaml", "templates/parameters/secrets.yaml" })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(model.Output, file)));
        }
    }

    [Fact]
    public async Task Publishing_again_keeps_the_secrets_a_running_cluster_was_given()
    {
        using var model = await PublishedModel.PublishAsync("kubernetes");
        var parameters = model.Read("templates/parameters/secrets.yaml");
        var resultsApi = model.Read("templates/resultsapi/secrets.yaml");

        await model.PublishAgainAsync("kubernetes");
        Assert.Equal(parameters, model.Read("templates/parameters/secrets.yaml"));
        Assert.Equal(resultsApi, model.Read("templates/resultsapi/secrets.yaml"));
    }

    [Fact]
    public async Task Kubectl_kustomize_builds_the_folder_into_the_same_objects()
    {
        using var model = await PublishedModel.PublishAsync("kubernetes");
        var (exitCode, output, error) = model.Run("kubectl", "kustomize", ".");
        Assert.True(exitCode == 0, $"kubectl kustomize failed: {error}");

        var rendered = KubernetesYaml.LoadAllFromString(output, strict: true);
        Assert.Equal(LoadAll(model).Count, rendered.Count);
    }

    [Fact]
    public async Task The_file_front_is_a_Deployment_reading_ResultsApis_storage_claim_which_is_written_once_for_both()
    {
        using var model = await PublishedModel.PublishAsync("kubernetes", "--AppHost:FileFront=true");
        var objects = LoadAll(model);
        var deployments = objects.OfType<V1Deployment>().ToDictionary(d => d.Metadata.Name);
        var configMaps = objects.OfType<V1ConfigMap>().ToDictionary(c => c.Metadata.Name);

        // One claim, mounted by ResultsApi's pods and the front's, which may run on other nodes: ReadWriteMany.
        var storage = Assert.Single(objects.OfType<V1PersistentVolumeClaim>(), c => c.Metadata.Name == "resultsapi-storage");
        Assert.Equal(["ReadWriteMany"], storage.Spec.AccessModes);
        Assert.Null(deployments["resultsapi"].Spec.Strategy);
        var front = deployments["resultsapi-front"].Spec.Template.Spec;
        var container = Assert.Single(front.Containers);
        var mount = Assert.Single(container.VolumeMounts);
        Assert.Equal(("resultsapi-storage", "/var/lib/imaging/storage", true), (mount.Name, mount.MountPath, mount.ReadOnlyProperty));
        Assert.Equal("resultsapi-storage", Assert.Single(front.Volumes).PersistentVolumeClaim.ClaimName);
        Assert.Equal("docker.io/nginx:1.27", container.Image);
        Assert.Equal(8080, Assert.Single(container.Ports).ContainerPort);
        Assert.Contains(FileFrontConfig.HealthPath, string.Join(' ', container.ReadinessProbe.Exec.Command), StringComparison.Ordinal);
        Assert.Contains(objects.OfType<V1Service>(), s => s.Metadata.Name == "resultsapi-front");

        // nginx's configuration, with ResultsApi reached by its service name; ResultsApi answers the front's requests with redirects.
        var expected = new FileFrontConfig { Listen = "8080", Upstream = "resultsapi:8080", StorageRoot = "/var/lib/imaging/storage", User = "nginx" }.Render();
        Assert.Equal(expected, configMaps["resultsapi-front-config"].Data[FileFrontContainerResource.ConfigVariable]);
        Assert.Equal("true", configMaps["resultsapi-config"].Data["FileFront__Enabled"]);
        var (exitCode, _, error) = model.Run("kubectl", "kustomize", ".");
        Assert.True(exitCode == 0, $"kubectl kustomize failed: {error}");
    }

    /// <summary>Every file kustomization.yaml lists (and no other), loaded strictly; each is named in one.</summary>
    private static List<object> LoadAll(PublishedModel model)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(model.Read("kustomization.yaml")));
        var listed = ((YamlSequenceNode)((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("resources")])
            .Children.Select(n => ((YamlScalarNode)n).Value!).ToList();
        var files = Directory.EnumerateFiles(Path.Combine(model.Output, "templates"), "*.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(model.Output, f)).ToList();
        Assert.Equal(files.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        return [.. listed.SelectMany(file => KubernetesYaml.LoadAllFromString(model.Read(file), strict: true))];
    }

    private static IEnumerable<(string Host, int Port)> Addresses(string value)
    {
        foreach (System.Text.RegularExpressions.Match match in System.Text.RegularExpressions.Regex.Matches(value, @"(?:https?|amqp|redis|postgresql)://(?:[^@/]*@)?([a-z][a-z0-9-]*):(\d+)|Host=([a-z][a-z0-9-]*);Port=(\d+)|^([a-z][a-z0-9-]*):(\d+),"))
        {
            var groups = match.Groups;
            var (host, port) = groups[1].Success ? (groups[1].Value, groups[2].Value) : groups[3].Success ? (groups[3].Value, groups[4].Value) : (groups[5].Value, groups[6].Value);
            yield return (host, int.Parse(port, System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
