using System.Globalization;
using AppHost.Hosting;

namespace AppHost.Publishing;

/// <summary>
/// Addresses inside a container platform: a resource is reached by its name on its container port (compose service
/// names and Kubernetes Services alike), a project listens on 8080 on every interface, a volume at its target.
/// </summary>
internal abstract class PublishedValues : ValueResolver
{
    /// <summary>Every parameter resolved so far, in first-use order: what .env or the Secrets must hold.</summary>
    public List<ParameterResource> UsedParameters { get; } = [];

    public override string Parameter(ParameterResource parameter)
    {
        if (!UsedParameters.Contains(parameter))
        {
            UsedParameters.Add(parameter);
        }

        return ParameterText(parameter);
    }

    protected abstract string ParameterText(ParameterResource parameter);

    public override string Host(Resource owner, Endpoint endpoint) => owner.Name;

    public override string Port(Resource owner, Endpoint endpoint) => endpoint.TargetPort.ToString(CultureInfo.InvariantCulture);

    public override IReadOnlyList<string> Urls(Resource owner, Endpoint endpoint) => [$"{endpoint.Scheme}://{owner.Name}:{endpoint.TargetPort}"];

    public override string ListenUrl(ProjectResource project, int replica) => $"http://+:{project.HttpEndpoint.TargetPort}";

    public override string VolumePath(VolumeMount volume) => volume.Target;
}

/// <summary>A compose file: parameters as ${VARIABLE} from .env, and every literal $ doubled so compose leaves it alone.</summary>
internal sealed class ComposeValues : PublishedValues
{
    public override string Literal(string text) => Escape(text);

    protected override string ParameterText(ParameterResource parameter) => $"${{{parameter.VariableName}}}";

    // The placeholder stays as it is; the value in .env must already be safe inside a URI.
    public override string UriParameter(ParameterResource parameter) => Parameter(parameter);

    public static string Escape(string text) => text.Replace("$", "$$", StringComparison.Ordinal);
}

/// <summary>Kubernetes objects: values as they are; a value that holds a secret goes to the resource's Secret, not its ConfigMap.</summary>
internal sealed class KubernetesValues : PublishedValues
{
    protected override string ParameterText(ParameterResource parameter) => parameter.Value;

    public bool HoldsSecret(string value) => UsedParameters.Any(p => p.Secret && p.Value.Length > 0
        && (value.Contains(p.Value, StringComparison.Ordinal) || value.Contains(Uri.EscapeDataString(p.Value), StringComparison.Ordinal)));
}

/// <summary>Aspire's manifest: placeholders such as {postgres.bindings.tcp.host} and {postgres-password.value}, resolved by the deployment tool.</summary>
internal sealed class ManifestValues : ValueResolver
{
    public override string Parameter(ParameterResource parameter) => $"{{{parameter.Name}.value}}";

    public override string UriParameter(ParameterResource parameter) => Parameter(parameter);

    public override string Host(Resource owner, Endpoint endpoint) => $"{{{owner.Name}.bindings.{endpoint.Name}.host}}";

    public override string Port(Resource owner, Endpoint endpoint) => $"{{{owner.Name}.bindings.{endpoint.Name}.port}}";

    public override IReadOnlyList<string> Urls(Resource owner, Endpoint endpoint) => [$"{{{owner.Name}.bindings.{endpoint.Name}.url}}"];

    public override string ListenUrl(ProjectResource project, int replica) =>
        $"http://+:{{{project.Name}.bindings.{project.HttpEndpoint.Name}.targetPort}}";

    public override string VolumePath(VolumeMount volume) => volume.Target;

    public override string ConnectionString(IResourceWithConnectionString resource) => $"{{{resource.Name}.connectionString}}";
}
