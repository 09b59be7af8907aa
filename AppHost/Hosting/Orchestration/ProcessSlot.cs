namespace AppHost.Hosting.Orchestration;

/// <summary>
/// One running instance (a server, or one replica of a service): starts its processes, probes its health, and
/// restarts it with exponential back-off when it exits on its own.
/// </summary>
internal sealed class ProcessSlot(
    string logName,
    Func<IReadOnlyList<ProcessSpec>> createProcesses,
    Func<CancellationToken, Task>? probe,
    OrchestrationContext context,
    Action changed)
{
    private readonly TaskCompletionSource _firstHealthy = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile List<ManagedProcess> _processes = [];
    private TaskCompletionSource? _held;
    private volatile bool _restartRequested;

    public string LogName { get; } = logName;

    public HealthStatus Health { get; private set; }

    public bool IsRunning { get; private set; }

    public bool EverHealthy { get; private set; }

    public int Restarts { get; private set; }

    public int? LastExitCode { get; private set; }

    public DateTimeOffset? StartedAt { get; private set; }

    public string? LastError { get; private set; }

    public IReadOnlyList<int> Pids => [.. _processes.Where(p => !p.Exited.IsCompleted).Select(p => p.Pid)];

    public IReadOnlyList<ManagedProcess> Processes => _processes;

    public Task FirstHealthy => _firstHealthy.Task;

    /// <summary>Stopped by a person (the dashboard's Stop) and not started again yet.</summary>
    public bool IsHeld => _held is not null;

    /// <summary>
    /// Runs until <paramref name="stopping"/> fires. With <paramref name="restartBeforeHealthy"/> false, an exit
    /// before the first healthy probe ends supervision with an error (a server that cannot start will not start
    /// by trying again).
    /// </summary>
    public async Task SuperviseAsync(bool restartBeforeHealthy, CancellationToken stopping, bool runToCompletion = false)
    {
        var delay = TimeSpan.FromSeconds(1);
        var maxDelay = TimeSpan.FromSeconds(context.Options.MaxRestartDelaySeconds);
        while (!stopping.IsCancellationRequested)
        {
            if (_held is { } held)
            {
                await held.Task.WaitAsync(stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                delay = TimeSpan.FromSeconds(1);
            }

            var specs = createProcesses();
            // Built aside and published whole: state.json is written from other threads, which enumerate this list.
            var started = new List<ManagedProcess>();
            try
            {
                foreach (var spec in specs)
                {
                    started.Add(ManagedProcess.Start(spec, context.Logs, LogName));
                }
            }
            finally
            {
                _processes = started;
            }

            context.RecordProcesses();
            StartedAt = context.Time.GetUtcNow();
            IsRunning = true;
            Health = probe is null ? HealthStatus.Healthy : HealthStatus.Unknown;
            if (probe is null)
            {
                MarkHealthy();
            }

            changed();
            using var health = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var healthLoop = probe is null ? Task.CompletedTask : ProbeLoopAsync(probe, health.Token);
            var main = _processes[^1].Exited;
            await Task.WhenAny(main, Task.Delay(Timeout.Infinite, stopping)).ConfigureAwait(false);
            await health.CancelAsync();
            await healthLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (stopping.IsCancellationRequested)
            {
                return;
            }

            LastExitCode = await main;
            IsRunning = false;
            Health = HealthStatus.Unhealthy;
            foreach (var helper in _processes.Take(_processes.Count - 1))
            {
                await helper.StopAsync(TimeSpan.FromSeconds(5));
            }

            // A stop or restart asked for from the dashboard is not a crash: no back-off, and no failed start-up.
            if (_held is not null)
            {
                LastError = "stopped from the dashboard";
                context.Logs.Append(LogName, "[apphost] stopped from the dashboard", isError: false);
                changed();
                continue;
            }

            if (_restartRequested)
            {
                _restartRequested = false;
                Restarts++;
                context.Logs.Append(LogName, $"[apphost] restarted from the dashboard (restart #{Restarts})", isError: false);
                changed();
                continue;
            }

            // A job that exits is done, whatever its code: running it again would not change the outcome.
            if (runToCompletion)
            {
                return;
            }

            if (!EverHealthy && !restartBeforeHealthy)
            {
                changed();
                throw new DistributedApplicationException(
                    $"{specs[^1].DisplayName} exited with code {LastExitCode} before it became healthy. Its last output:{Environment.NewLine}"
                    + context.Logs.Tail(LogName.Split('/')[0], 15));
            }

            if (context.Time.GetUtcNow() - StartedAt > TimeSpan.FromSeconds(30))
            {
                delay = TimeSpan.FromSeconds(1);
            }

            Restarts++;
            context.Logs.Append(LogName, $"[apphost] process exited with code {LastExitCode}; restart #{Restarts} in {delay.TotalSeconds:0} s", isError: true);
            context.Logger.LogResourceRestart(LogName, LastExitCode ?? -1, Restarts, delay.TotalSeconds);
            changed();
            await Task.Delay(delay, context.Time, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, maxDelay.Ticks));
        }
    }

    public async Task StopAsync()
    {
        await StopProcessesAsync();
        IsRunning = false;
    }

    /// <summary>Stops the processes and keeps them stopped until <see cref="Resume"/>; supervision goes on.</summary>
    public async Task HoldAsync()
    {
        Interlocked.CompareExchange(ref _held, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);
        await StopProcessesAsync();
    }

    public void Resume() => Interlocked.Exchange(ref _held, null)?.TrySetResult();

    /// <summary>Stops the processes; supervision starts them again at once.</summary>
    public async Task RestartAsync()
    {
        if (_held is not null)
        {
            Resume();
            return;
        }

        _restartRequested = true;
        await StopProcessesAsync();
    }

    private async Task StopProcessesAsync()
    {
        // Helpers (e.g. epmd) go after the server they serve.
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].StopAsync(TimeSpan.FromSeconds(context.Options.StopTimeoutSeconds));
            if (_processes[i].Spec.Cleanup is { } cleanup)
            {
                var remover = ManagedProcess.Start(cleanup, context.Logs, LogName);
                await remover.StopAsync(TimeSpan.FromSeconds(20));
            }
        }
    }

    private async Task ProbeLoopAsync(Func<CancellationToken, Task> check, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var before = Health;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                await check(timeout.Token);
                Health = HealthStatus.Healthy;
                LastError = null;
                MarkHealthy();
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                Health = HealthStatus.Unhealthy;
                LastError = ex.Message;
            }

            if (before != Health)
            {
                changed();
            }

            await Task.Delay(Health == HealthStatus.Healthy ? TimeSpan.FromSeconds(5) : TimeSpan.FromMilliseconds(200), context.Time, cancellationToken)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void MarkHealthy()
    {
        EverHealthy = true;
        _firstHealthy.TrySetResult();
    }
}
