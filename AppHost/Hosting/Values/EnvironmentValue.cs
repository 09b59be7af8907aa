namespace AppHost.Hosting;

/// <summary>
/// A value in a resource's environment whose text depends on where the application runs: written here as a literal,
/// a parameter or a volume's path, and turned into text by a <see cref="ValueResolver"/> for the app host's own run,
/// a compose file, Kubernetes objects or Aspire's manifest.
/// </summary>
public abstract record EnvironmentValue
{
    public static implicit operator EnvironmentValue(string literal) => new LiteralValue(literal);

    public abstract string Resolve(ValueResolver values);
}

public sealed record LiteralValue(string Text) : EnvironmentValue
{
    public override string Resolve(ValueResolver values) => values.Literal(Text);
}

public sealed record ParameterValue(ParameterResource Parameter) : EnvironmentValue
{
    public override string Resolve(ValueResolver values) => values.Parameter(Parameter);
}

public sealed record VolumePathValue(VolumeMount Volume) : EnvironmentValue
{
    public override string Resolve(ValueResolver values) => values.VolumePath(Volume);
}
