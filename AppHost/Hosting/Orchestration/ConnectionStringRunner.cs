namespace AppHost.Hosting.Orchestration;

/// <summary>A connection string from configuration: nothing to run, so it is running as soon as it is known.</summary>
internal sealed class ConnectionStringRunner(ConnectionStringResource resource, OrchestrationContext context) : ResourceRunner(resource, context)
{
    public override bool IsCritical => false;

    public override int StopStage => 2;

    public override string Runtime => "existing";

    protected override IReadOnlyList<ProcessSlot> Slots => [];

    protected override HealthStatus Health => HealthStatus.Healthy;

    protected override Task StartAsync(CancellationToken stopping)
    {
        State = KnownResourceStates.Running;
        Publish();
        return Task.CompletedTask;
    }
}
