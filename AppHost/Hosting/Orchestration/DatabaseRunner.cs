namespace AppHost.Hosting.Orchestration;

/// <summary>Creates a database once its server is healthy, then watches that it answers.</summary>
internal sealed class DatabaseRunner(PostgresDatabaseResource database, OrchestrationContext context) : ResourceRunner(database, context)
{
    private HealthStatus _health = HealthStatus.Unknown;

    public override bool IsCritical => true;

    public override int StopStage => 1;

    public override string Runtime => database.ExistingConnectionString is not null ? "existing" : "database";

    protected override IReadOnlyList<ProcessSlot> Slots => [];

    protected override HealthStatus Health => _health;

    protected override async Task StartAsync(CancellationToken stopping)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await database.EnsureCreatedAsync(stopping);
                break;
            }
            catch (Exception ex) when (attempt < 5 && !stopping.IsCancellationRequested && ex is not OperationCanceledException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), Context.Time, stopping);
            }
        }

        State = KnownResourceStates.Running;
        await WatchHealthAsync(database.ProbeAsync, failure =>
        {
            _health = failure is null ? HealthStatus.Healthy : HealthStatus.Unhealthy;
            Message = failure?.Message;
        }, stopping);
    }
}
