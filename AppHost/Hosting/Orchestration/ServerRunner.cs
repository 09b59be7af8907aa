using AppHost.Hosting.Runtimes;

namespace AppHost.Hosting.Orchestration;

/// <summary>Runs a server as a local process or a container, or watches an existing one named by configuration.</summary>
internal sealed class ServerRunner(ServerResource server, OrchestrationContext context) : ResourceRunner(server, context)
{
    private volatile List<ProcessSlot> _slots = [];
    private LocalServer? _local;
    private HealthStatus _existingHealth = HealthStatus.Unknown;
    private bool _everHealthy;

    public override bool IsCritical => true;

    public override int StopStage => 2;

    public override string Runtime => server.ExistingConnectionString is not null ? "existing"
        : Context.ServerRuntime == ResourceRuntime.Container ? "container" : "process";

    protected override IReadOnlyList<ProcessSlot> Slots => _slots;

    protected override IReadOnlyList<string> Urls => server.ExistingConnectionString is null ? [$"{server.PrimaryEndpoint.Scheme}://127.0.0.1:{server.Port}"] : [];

    public override async Task PrepareAsync(CancellationToken cancellationToken)
    {
        if (server.ExistingConnectionString is null && Context.ServerRuntime == ResourceRuntime.Process)
        {
            _local = server.CreateLocalServer(new LocalServerContext(Context.DataDirectory, Context.Ports, Context.Options, Context.Logger));
            await _local.PrepareAsync(cancellationToken);
        }
    }

    protected override async Task StartAsync(CancellationToken stopping)
    {
        Func<IReadOnlyList<ProcessSpec>> processes = server.ExistingConnectionString is not null
            ? () => []
            : _local is not null
                ? _local.CreateProcesses
                : () => [server.CreateContainerSpec().ToProcessSpec(
                    Context.ContainerEngine!, server.Name, $"{server.Name}-{Context.RunId}",
                    $"{Path.GetFileName(Path.GetDirectoryName(Context.DataDirectory.TrimEnd('/')))}-{server.Name}-data".ToLowerInvariant(),
                    server.Port, Context.DataDirectory)];

        if (server.ExistingConnectionString is not null)
        {
            await WatchExistingAsync(stopping);
            return;
        }

        var slot = new ProcessSlot(server.Name, processes, server.ProbeAsync, Context, SlotsChanged);
        _slots = [slot]; // published whole: other threads enumerate it
        var supervision = slot.SuperviseAsync(restartBeforeHealthy: false, stopping);
        var timeout = Task.Delay(TimeSpan.FromSeconds(Context.Options.ServerStartTimeoutSeconds), Context.Time, stopping);
        var first = await Task.WhenAny(slot.FirstHealthy, supervision, timeout);
        if (first == supervision)
        {
            await supervision; // throws the reason the server exited
        }
        else if (first == timeout && !stopping.IsCancellationRequested)
        {
            throw new DistributedApplicationException(
                $"{server.Name} did not become healthy within {Context.Options.ServerStartTimeoutSeconds} s (last check: {slot.LastError}). "
                + $"Its last output:{Environment.NewLine}{Context.Logs.Tail(server.Name, 15)}");
        }

        await supervision;
    }

    private async Task WatchExistingAsync(CancellationToken stopping)
    {
        // No process to run: only probe the configured server, and give up if it never answers.
        State = KnownResourceStates.Running;
        var deadline = Context.Time.GetUtcNow().AddSeconds(Context.Options.ServerStartTimeoutSeconds);
        await WatchHealthAsync(server.ProbeAsync, failure =>
        {
            _existingHealth = failure is null ? HealthStatus.Healthy : HealthStatus.Unhealthy;
            _everHealthy |= failure is null;
            Message = failure is null ? null : $"cannot reach the configured server: {failure.Message}";
            if (failure is not null && !_everHealthy && Context.Time.GetUtcNow() > deadline)
            {
                throw new DistributedApplicationException(
                    $"{server.Name}: the server named by ConnectionStrings:{server.Name} does not answer ({failure.Message}). Check that it runs and the connection string is right.");
            }
        }, stopping);
    }

    protected override HealthStatus Health => server.ExistingConnectionString is not null ? _existingHealth : base.Health;
}
