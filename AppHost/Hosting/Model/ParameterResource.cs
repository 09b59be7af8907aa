namespace AppHost.Hosting;

/// <summary>
/// A value the application needs that differs per deployment (Aspire's parameter): taken from configuration
/// (Parameters:{name}), or, for a generated secret, created once and kept in the data folder's secrets, so the same
/// password reaches a server's volume and its clients on every run and every publish.
/// </summary>
public sealed class ParameterResource(string name, Func<string> value, bool secret) : Resource(name)
{
    private readonly Lazy<string> _value = new(value);

    /// <summary>Read on first use only: publishing a manifest needs the name, not the value.</summary>
    public string Value => _value.Value;

    public bool Secret { get; } = secret;

    /// <summary>For a generated secret, the length a deployment tool should generate (the manifest's default.generate).</summary>
    public int? GeneratedMinLength { get; init; }

    public override string Kind => "parameter";

    /// <summary>The variable it becomes in .env and in Kubernetes Secrets: postgres-password → POSTGRES_PASSWORD.</summary>
    public string VariableName => Name.ToUpperInvariant().Replace('-', '_');
}

/// <summary>A folder a resource keeps data in: under the data folder when run here, a named volume when published.</summary>
/// <param name="Name">The volume's name within its resource (storage → compose volume resultsapi-storage).</param>
/// <param name="Target">Where it is mounted inside the container.</param>
/// <param name="LocalPath">Where it lives when the app host runs the resource as a process.</param>
public sealed record VolumeMount(string Name, string Target, string LocalPath);
