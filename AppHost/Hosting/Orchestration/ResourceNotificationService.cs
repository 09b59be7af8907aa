namespace AppHost.Hosting.Orchestration;

/// <summary>Publishes resource snapshots and lets callers wait for a state (Aspire's ResourceNotificationService).</summary>
public sealed class ResourceNotificationService
{
    private readonly Dictionary<string, ResourceSnapshot> _current = new(StringComparer.Ordinal);
    private readonly List<(string Name, Func<ResourceSnapshot, bool> Predicate, TaskCompletionSource<ResourceSnapshot> Done)> _waiters = [];
    private readonly Lock _gate = new();

    public event Action<ResourceSnapshot>? Changed;

    public IReadOnlyList<ResourceSnapshot> Current
    {
        get
        {
            lock (_gate)
            {
                return [.. _current.Values];
            }
        }
    }

    public ResourceSnapshot? Get(string name)
    {
        lock (_gate)
        {
            return _current.GetValueOrDefault(name);
        }
    }

    public void Publish(ResourceSnapshot snapshot)
    {
        List<TaskCompletionSource<ResourceSnapshot>> ready = [];
        lock (_gate)
        {
            _current[snapshot.Name] = snapshot;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var waiter = _waiters[i];
                if (waiter.Name == snapshot.Name && waiter.Predicate(snapshot))
                {
                    ready.Add(waiter.Done);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var done in ready)
        {
            done.TrySetResult(snapshot);
        }

        Changed?.Invoke(snapshot);
    }

    public async Task<ResourceSnapshot> WaitForResourceAsync(string name, Func<ResourceSnapshot, bool> predicate, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<ResourceSnapshot>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_current.TryGetValue(name, out var now) && predicate(now))
            {
                return now;
            }

            _waiters.Add((name, predicate, done));
        }

        using var registration = cancellationToken.Register(() => done.TrySetCanceled(cancellationToken));
        return await done.Task;
    }

    public Task<ResourceSnapshot> WaitForResourceAsync(string name, string state, CancellationToken cancellationToken = default) =>
        WaitForResourceAsync(name, s => s.State == state, cancellationToken);

    /// <summary>Waits until the resource is running and healthy; throws if it failed to start.</summary>
    public async Task<ResourceSnapshot> WaitForResourceHealthyAsync(string name, CancellationToken cancellationToken = default)
    {
        var snapshot = await WaitForResourceAsync(
            name, s => (s.State == KnownResourceStates.Running && s.Health == HealthStatus.Healthy) || s.IsTerminalFailure, cancellationToken);
        if (snapshot.IsTerminalFailure)
        {
            throw new DistributedApplicationException($"Resource '{name}' failed to start: {snapshot.Message}");
        }

        return snapshot;
    }
}
