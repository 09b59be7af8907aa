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
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                await database.ProbeAsync(timeout.Token);
                _health = HealthStatus.Healthy;
                Message = null;
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                _health = HealthStatus.Unhealthy;
                Message = ex.Message;
            }

            Publish();
            await Task.Delay(_health == HealthStatus.Healthy ? TimeSpan.FromSeconds(5) : TimeSpan.FromMilliseconds(250), Context.Time, stopping)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
