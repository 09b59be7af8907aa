namespace Imaging.ImagingImport.Tracking;

/// <summary>Applies importdb's migrations before the service takes requests or starts importing.</summary>
internal sealed class ImportDatabaseStartup(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<ImportDbContext>().Database.MigrateAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
