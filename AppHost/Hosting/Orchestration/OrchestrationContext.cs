using Microsoft.Extensions.Logging;

namespace AppHost.Hosting.Orchestration;

/// <summary>What every runner shares during one run of the application.</summary>
internal sealed class OrchestrationContext(
    AppHostOptions options,
    string dataDirectory,
    string environmentName,
    ILogger logger,
    ResourceNotificationService notifications,
    ResourceLogStore logs,
    PortAllocator ports,
    TimeProvider time)
{
    private readonly TaskCompletionSource<Exception> _fatal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public AppHostOptions Options { get; } = options;

    public string DataDirectory { get; } = dataDirectory;

    public string EnvironmentName { get; } = environmentName;

    public ILogger Logger { get; } = logger;

    public ResourceNotificationService Notifications { get; } = notifications;

    public ResourceLogStore Logs { get; } = logs;

    public PortAllocator Ports { get; } = ports;

    public TimeProvider Time { get; } = time;

    public string RunId { get; } = Guid.NewGuid().ToString("N")[..8];

    public ResourceRuntime ServerRuntime { get; set; } = ResourceRuntime.Process;

    public string? ContainerEngine { get; set; }

    public TelemetrySettings? Telemetry { get; set; }

    public CancellationTokenSource Stopping { get; } = new();

    /// <summary>Completes when something failed that the application cannot run without.</summary>
    public Task<Exception> Fatal => _fatal.Task;

    /// <summary>Called whenever a process starts, so state.json always lists what to clean up after a crash.</summary>
    public Action RecordProcesses { get; set; } = () => { };

    public void ReportFatal(Exception exception) => _fatal.TrySetResult(exception);
}
