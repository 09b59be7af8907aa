namespace AppHost.Hosting;

/// <summary>A .NET service of this solution, run from its built output with Aspire's environment.</summary>
public sealed class ProjectResource(string name, IProjectMetadata metadata) : Resource(name)
{
    /// <summary>The port a published container listens on: the .NET container images' default.</summary>
    public const int ContainerHttpPort = 8080;

    public IProjectMetadata Metadata { get; } = metadata;

    public int Replicas { get; set; } = 1;

    /// <summary>Path probed over HTTP on every replica; null means "healthy when running".</summary>
    public string? HealthCheckPath { get; set; }

    /// <summary>A job, not a service: it runs once, is Finished when it exits with 0, and is never restarted.</summary>
    public bool RunsToCompletion { get; set; }

    /// <summary>For a job: what the app host prints once it has finished (e.g. a token it was handed).</summary>
    public Func<IReadOnlyList<string>>? NotesWhenFinished { get; set; }

    public override string Kind => "project";

    public Endpoint HttpEndpoint => FindEndpoint("http")!;
}

/// <summary>Any program started as a process; used for tools and by the host's own tests.</summary>
public sealed class ExecutableResource(string name, string command, string workingDirectory, IReadOnlyList<string> arguments)
    : Resource(name)
{
    public string Command { get; } = command;

    public string WorkingDirectory { get; } = workingDirectory;

    public IReadOnlyList<string> Arguments { get; } = arguments;

    public string? HealthCheckPath { get; set; }

    public override string Kind => "executable";
}

/// <summary>A connection string given entirely by configuration (Aspire's AddConnectionString).</summary>
public sealed class ConnectionStringResource(string name, string connectionString) : Resource(name), IResourceWithConnectionString
{
    /// <summary>Published as a secret parameter of the same name (it may hold credentials), as Aspire does.</summary>
    public ParameterResource Parameter { get; } = new(name, () => connectionString, secret: true);

    public override string Kind => "connection-string";

    public string GetConnectionString() => connectionString;

    public string ConnectionStringExpression(ValueResolver values) => values.Parameter(Parameter);
}
