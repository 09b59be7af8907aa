namespace AppHost.Hosting;

/// <summary>
/// Turns the model's addresses, parameters and volumes into text for one place the application runs. The app host's
/// own run and every publisher share <see cref="Orchestration.EnvironmentContract"/>; only this differs between them.
/// </summary>
public abstract class ValueResolver
{
    /// <summary>Text written in the model as it is (a compose file must escape its $).</summary>
    public virtual string Literal(string text) => text;

    public abstract string Parameter(ParameterResource parameter);

    /// <summary>A parameter inside a URI: escaped where its value is known, left as a placeholder where it is not.</summary>
    public virtual string UriParameter(ParameterResource parameter) => Uri.EscapeDataString(Parameter(parameter));

    /// <summary>The host name other resources reach the endpoint's owner by.</summary>
    public abstract string Host(Resource owner, Endpoint endpoint);

    public abstract string Port(Resource owner, Endpoint endpoint);

    /// <summary>The port one replica listens on; the same for all where the platform gives each replica its own address.</summary>
    public virtual string ReplicaPort(Resource owner, Endpoint endpoint, int replica) => Port(owner, endpoint);

    /// <summary>The endpoint's URLs for service discovery: one per replica here, one load-balanced name when published.</summary>
    public abstract IReadOnlyList<string> Urls(Resource owner, Endpoint endpoint);

    /// <summary>What a project's replica listens on (ASPNETCORE_URLS).</summary>
    public abstract string ListenUrl(ProjectResource project, int replica);

    public abstract string VolumePath(VolumeMount volume);

    /// <summary>A referenced resource's connection string; the manifest refers to it by name instead.</summary>
    public virtual string ConnectionString(IResourceWithConnectionString resource) => resource.ConnectionStringExpression(this);
}

/// <summary>The app host's own run: loopback addresses with the ports allocated at start, values as they are.</summary>
public sealed class RunValues : ValueResolver
{
    public static RunValues Instance { get; } = new();

    public override string Parameter(ParameterResource parameter) => parameter.Value;

    public override string Host(Resource owner, Endpoint endpoint) => "127.0.0.1";

    public override string Port(Resource owner, Endpoint endpoint) =>
        endpoint.AllocatedPorts[0].ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override string ReplicaPort(Resource owner, Endpoint endpoint, int replica) =>
        endpoint.AllocatedPorts[replica].ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override IReadOnlyList<string> Urls(Resource owner, Endpoint endpoint) =>
        [.. Enumerable.Range(0, endpoint.AllocatedPorts.Count).Select(endpoint.UrlFor)];

    public override string ListenUrl(ProjectResource project, int replica) => project.HttpEndpoint.UrlFor(replica);

    public override string VolumePath(VolumeMount volume) => volume.LocalPath;

    // Honours ConnectionStrings:{name} from configuration (an existing server) as the run always has.
    public override string ConnectionString(IResourceWithConnectionString resource) => resource.GetConnectionString();
}
