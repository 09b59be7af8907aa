namespace AppHost.Hosting.Orchestration;

/// <summary>Aspire's well-known resource states.</summary>
public static class KnownResourceStates
{
    public const string NotStarted = "NotStarted";
    public const string Waiting = "Waiting";
    public const string Starting = "Starting";
    public const string Running = "Running";
    public const string Exited = "Exited";
    public const string FailedToStart = "FailedToStart";
    public const string Stopping = "Stopping";
    public const string Finished = "Finished";
}

public enum HealthStatus
{
    Unknown,
    Unhealthy,
    Healthy,
}

/// <summary>What is known of a resource now: the dashboard, state.json, the table and tests all read this.</summary>
public sealed record ResourceSnapshot(
    string Name,
    string Kind,
    string State,
    HealthStatus Health,
    string Runtime,
    IReadOnlyList<int> Pids,
    IReadOnlyList<string> Endpoints,
    string? ConnectionString,
    int Restarts,
    int? ExitCode,
    string? Message,
    IReadOnlyList<string> WaitsFor,
    DateTimeOffset? StartedAt,
    IReadOnlyList<string> ReplicaIds,
    IReadOnlyList<NamedUrl> Links)
{
    public bool IsTerminalFailure => State == KnownResourceStates.FailedToStart;
}

/// <summary>A page of a resource, as the dashboard links to it.</summary>
public sealed record NamedUrl(string DisplayText, string Url);
