namespace AppHost.Hosting.Orchestration;

/// <summary>Runs a project (each replica from its built output, with Aspire's environment) or an executable.</summary>
internal sealed class ProcessRunner : ResourceRunner
{
    private static readonly HttpClient HealthClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    private volatile List<ProcessSlot> _slots = [];
    private readonly string? _healthPath;
    private readonly int _replicas;

    public ProcessRunner(Resource resource, OrchestrationContext context)
        : base(resource, context)
    {
        (_healthPath, _replicas) = resource switch
        {
            ProjectResource p => (p.HealthCheckPath, p.Replicas),
            ExecutableResource e => (e.HealthCheckPath, 1),
            _ => throw new ArgumentException($"{resource.Name} is not a process resource.", nameof(resource)),
        };
    }

    public override bool IsCritical => false;

    public override int StopStage => 0;

    public override string Runtime => "process";

    protected override IReadOnlyList<ProcessSlot> Slots => _slots;

    protected override IReadOnlyList<string> Urls =>
        [.. Resource.Endpoints.SelectMany(e => Enumerable.Range(0, e.AllocatedPorts.Count).Select(e.UrlFor))];

    public override Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (Resource is ProjectResource project && !File.Exists(project.Metadata.TargetPath))
        {
            throw new DistributedApplicationException(
                $"{project.Name} has not been built: {project.Metadata.TargetPath} does not exist. Build the solution first "
                + "(dotnet build aspire.sln; 'dotnet run --project AppHost' builds it for you).");
        }

        return Task.CompletedTask;
    }

    protected override async Task StartAsync(CancellationToken stopping)
    {
        var slots = new List<ProcessSlot>();
        for (var replica = 0; replica < _replicas; replica++)
        {
            var index = replica;
            var replicaId = $"{Resource.Name}-{Guid.NewGuid().ToString("N")[..8]}";
            var logName = _replicas == 1 ? Resource.Name : $"{Resource.Name}/{replicaId}";
            Func<CancellationToken, Task>? probe = _healthPath is null ? null : ct => ProbeHttpAsync(index, ct);
            slots.Add(new ProcessSlot(logName, () => [CreateSpec(index, replicaId)], probe, Context, SlotsChanged));
        }

        _slots = slots; // published whole, never changed after: other threads enumerate it

        // A service that crashes is restarted with back-off, before and after it was first healthy; a job runs once.
        var job = Resource is ProjectResource { RunsToCompletion: true };
        await Task.WhenAll(_slots.Select(s => s.SuperviseAsync(restartBeforeHealthy: true, stopping, runToCompletion: job)));
        if (job && !stopping.IsCancellationRequested)
        {
            var exitCode = _slots.Select(s => s.LastExitCode ?? -1).Max();
            State = exitCode == 0 ? KnownResourceStates.Finished : KnownResourceStates.Exited;
            Message = exitCode == 0 ? null : $"exited with code {exitCode}; its console log says why";
            Publish();
        }
    }

    private ProcessSpec CreateSpec(int replica, string replicaId)
    {
        var environment = EnvironmentContract.For(Resource, replica, replicaId, Context.EnvironmentName, Context.Telemetry);
        return Resource switch
        {
            ProjectResource project => new ProcessSpec(
                $"{Resource.Name} (dotnet {Path.GetFileName(project.Metadata.TargetPath)})",
                "dotnet",
                [project.Metadata.TargetPath],
                Path.GetDirectoryName(project.Metadata.ProjectPath)!,
                environment),
            ExecutableResource executable => new ProcessSpec(
                Resource.Name, executable.Command, executable.Arguments, executable.WorkingDirectory, environment),
            _ => throw new InvalidOperationException(),
        };
    }

    private async Task ProbeHttpAsync(int replica, CancellationToken cancellationToken)
    {
        var endpoint = Resource.FindEndpoint("http")!;
        var url = new Uri(new Uri(endpoint.UrlFor(replica)), _healthPath);
        using var response = await HealthClient.GetAsync(url, cancellationToken);
        if (response.StatusCode != System.Net.HttpStatusCode.OK)
        {
            throw new HttpRequestException($"GET {url.AbsolutePath} answered {(int)response.StatusCode}");
        }
    }
}
