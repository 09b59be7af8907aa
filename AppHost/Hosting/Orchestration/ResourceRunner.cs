namespace AppHost.Hosting.Orchestration;

/// <summary>Brings one resource up after its dependencies, keeps it up, and publishes what it is doing.</summary>
internal abstract class ResourceRunner(Resource resource, OrchestrationContext context)
{
    private string _lastPublished = "";

    public Resource Resource { get; } = resource;

    protected OrchestrationContext Context { get; } = context;

    protected string State { get; set; } = KnownResourceStates.NotStarted;

    protected string? Message { get; set; }

    /// <summary>Servers are critical: if one cannot start, the application stops with its reason.</summary>
    public abstract bool IsCritical { get; }

    /// <summary>Services stop before the servers they use.</summary>
    public abstract int StopStage { get; }

    public abstract string Runtime { get; }

    protected abstract IReadOnlyList<ProcessSlot> Slots { get; }

    public IReadOnlyList<ProcessSlot> AllSlots => Slots;

    /// <summary>Checks that must pass before anything starts (binaries, built output, data folders).</summary>
    public virtual Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task RunAsync()
    {
        var stopping = Context.Stopping.Token;
        try
        {
            foreach (var dependency in Resource.WaitsFor)
            {
                State = KnownResourceStates.Waiting;
                Message = $"waiting for {dependency.Name}";
                Publish();
                var snapshot = await Context.Notifications.WaitForResourceAsync(
                    dependency.Name, s => (s.State == KnownResourceStates.Running && s.Health == HealthStatus.Healthy) || s.IsTerminalFailure, stopping);
                if (snapshot.IsTerminalFailure)
                {
                    State = KnownResourceStates.FailedToStart;
                    Message = $"not started: it waits for {dependency.Name}, which failed to start";
                    Publish();
                    return;
                }
            }

            State = KnownResourceStates.Starting;
            Message = null;
            Publish();
            await StartAsync(stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            // The application's failure is recorded before the state is published, so whoever sees the state
            // finds the reason already there.
            if (IsCritical)
            {
                Context.ReportFatal(ex is DistributedApplicationException ? ex : new DistributedApplicationException($"{Resource.Name} failed: {ex.Message}", ex));
            }

            State = KnownResourceStates.FailedToStart;
            Message = ex.Message;
            Publish();
        }
    }

    protected abstract Task StartAsync(CancellationToken stopping);

    /// <summary>What a person may do with the resource now: stop or restart it while it runs, start it once stopped.</summary>
    public IReadOnlyList<string> Commands
    {
        get
        {
            if (Slots.Count == 0 || Context.Stopping.IsCancellationRequested)
            {
                return [];
            }

            if (Slots.Any(s => s.IsHeld))
            {
                return [ResourceCommands.Start];
            }

            return State is KnownResourceStates.Running or KnownResourceStates.Exited ? [ResourceCommands.Stop, ResourceCommands.Restart] : [];
        }
    }

    /// <summary>Runs a command from <see cref="Commands"/>; the state changes it causes are published as usual.</summary>
    public async Task ExecuteAsync(string command)
    {
        Context.Logger.LogResourceCommand(Resource.Name, command);
        switch (command)
        {
            case ResourceCommands.Stop:
                await Task.WhenAll(Slots.Select(s => s.HoldAsync()));
                break;
            case ResourceCommands.Start:
                foreach (var slot in Slots)
                {
                    slot.Resume();
                }

                break;
            case ResourceCommands.Restart:
                await Task.WhenAll(Slots.Select(s => s.RestartAsync()));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(command), command, "Unknown resource command.");
        }
    }

    public virtual async Task StopAsync()
    {
        if (Slots.Any(s => s.Processes.Count > 0))
        {
            State = KnownResourceStates.Stopping;
            Publish();
            await Task.WhenAll(Slots.Select(s => s.StopAsync()));
        }

        if (State != KnownResourceStates.FailedToStart)
        {
            State = KnownResourceStates.Finished;
        }

        Publish(force: true);
    }

    /// <summary>
    /// Probes until stopped (every 5 s while healthy, faster while not) and reports each outcome; for resources
    /// without a process of their own (databases, existing servers).
    /// </summary>
    protected async Task WatchHealthAsync(Func<CancellationToken, Task> probe, Action<Exception?> report, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Exception? failure = null;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                await probe(timeout.Token);
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                failure = ex;
            }

            if (stopping.IsCancellationRequested)
            {
                return;
            }

            report(failure);
            Publish();
            await Task.Delay(failure is null ? TimeSpan.FromSeconds(5) : TimeSpan.FromMilliseconds(250), Context.Time, stopping)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    protected virtual IReadOnlyList<string> Urls => [];

    // The resource's pages on its first HTTP endpoint, once it has one.
    private IReadOnlyList<NamedUrl> Links => Urls.FirstOrDefault(u => u.StartsWith("http", StringComparison.Ordinal)) is { } first
        ? [.. Resource.Links.Select(l => new NamedUrl(l.DisplayText, first.TrimEnd('/') + l.Path))]
        : [];

    protected virtual string? ConnectionString => (Resource as IResourceWithConnectionString)?.GetConnectionString();

    protected virtual HealthStatus Health
    {
        get
        {
            if (Slots.Count == 0)
            {
                return HealthStatus.Unknown;
            }

            return Slots.All(s => s.Health == HealthStatus.Healthy) ? HealthStatus.Healthy
                : Slots.Any(s => s.Health == HealthStatus.Unhealthy) ? HealthStatus.Unhealthy : HealthStatus.Unknown;
        }
    }

    /// <summary>Recomputes state from the slots and publishes it if anything changed.</summary>
    protected void SlotsChanged()
    {
        if (State is KnownResourceStates.Starting or KnownResourceStates.Running or KnownResourceStates.Exited)
        {
            State = Slots.All(s => s.IsRunning) ? KnownResourceStates.Running : KnownResourceStates.Exited;
            var failing = Slots.FirstOrDefault(s => s.LastError is not null && s.Health != HealthStatus.Healthy);
            Message = failing?.LastError;
        }

        Publish();
    }

    protected void Publish(bool force = false)
    {
        var snapshot = new ResourceSnapshot(
            Resource.Name,
            Resource.Kind,
            State,
            State == KnownResourceStates.Running ? Health : HealthStatus.Unknown,
            Runtime,
            [.. Slots.SelectMany(s => s.Pids)],
            Urls,
            ConnectionString,
            Slots.Sum(s => s.Restarts),
            Slots.Select(s => s.LastExitCode).LastOrDefault(c => c is not null),
            Message,
            [.. Resource.WaitsFor.Select(r => r.Name)],
            Slots.Select(s => s.StartedAt).FirstOrDefault(t => t is not null),
            [.. Slots.Select(s => s.LogName)],
            Links);
        var key = $"{snapshot.State}|{snapshot.Health}|{snapshot.Restarts}|{string.Join(',', snapshot.Pids)}|{snapshot.Message}";
        if (!force && key == _lastPublished)
        {
            return;
        }

        _lastPublished = key;
        Context.Logger.LogResourceState(Resource.Name, snapshot.State, snapshot.Health);
        Context.Notifications.Publish(snapshot);
    }
}
