using System.Diagnostics;
using System.Globalization;

namespace AppHost.Hosting.Orchestration;

/// <summary>
/// Prints a line per resource while the application starts: when it begins waiting, when it is running and healthy,
/// and when it fails; each with the count of healthy resources so far and the time since the start.
/// </summary>
internal sealed class StartupProgress : IDisposable
{
    private readonly ResourceNotificationService _notifications;
    private readonly HashSet<string> _names;
    private readonly Dictionary<string, string> _printed = [];
    private readonly Stopwatch _clock;
    private readonly TextWriter _output;
    private readonly Lock _lock = new();
    private bool _stopped;

    private StartupProgress(ResourceNotificationService notifications, IReadOnlyList<Resource> resources, Stopwatch clock, TextWriter output)
    {
        (_notifications, _clock, _output) = (notifications, clock, output);
        _names = [.. resources.Select(r => r.Name)];
        _notifications.Changed += OnChanged;
    }

    public static StartupProgress Print(ResourceNotificationService notifications, IReadOnlyList<Resource> resources, Stopwatch clock, TextWriter output) =>
        new(notifications, resources, clock, output);

    private void OnChanged(ResourceSnapshot snapshot)
    {
        if (!_names.Contains(snapshot.Name))
        {
            return;
        }

        var what = snapshot switch
        {
            { State: KnownResourceStates.Running, Health: HealthStatus.Healthy } => "healthy",
            { State: KnownResourceStates.Starting } => "starting",
            { State: KnownResourceStates.Waiting } => snapshot.Message ?? "waiting",
            { IsTerminalFailure: true } => $"failed to start: {snapshot.Message}",
            { State: KnownResourceStates.Exited } => $"exited{(snapshot.ExitCode is { } code ? $" with code {code}" : "")}; restarting",
            _ => null,
        };
        lock (_lock)
        {
            if (_stopped || what is null || (_printed.TryGetValue(snapshot.Name, out var last) && last == what))
            {
                return;
            }

            _printed[snapshot.Name] = what;
            var healthy = _notifications.Current.Count(s => _names.Contains(s.Name) && s.State == KnownResourceStates.Running && s.Health == HealthStatus.Healthy);
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  [{healthy,2}/{_names.Count}] {_clock.Elapsed.TotalSeconds,5:0.0} s  {snapshot.Name,-16} {what}"));
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _stopped = true;
        }

        _notifications.Changed -= OnChanged;
    }
}
