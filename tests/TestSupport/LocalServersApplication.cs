using Aspire.Hosting.Testing;
using Imaging.LocalServers;

namespace Imaging.TestSupport;

/// <summary>
/// Servers from the Debian packages as Aspire executable resources (LocalServers), started by real Aspire (DCP) through
/// Aspire.Hosting.Testing, with a data folder of their own that is deleted when they stop.
/// </summary>
public sealed class LocalServersApplication : IAsyncDisposable
{
    private readonly string _dataDirectory;

    private LocalServersApplication(DistributedApplication app, string dataDirectory)
    {
        App = app;
        _dataDirectory = dataDirectory;
    }

    public DistributedApplication App { get; }

    /// <summary>
    /// Builds a model with <paramref name="add"/>, starts it and waits until <paramref name="resources"/> are healthy.
    /// A server's ports are picked free when the model is built, and until it binds them another process may take one
    /// (test assemblies start their servers at the same time, and every outgoing connection takes an ephemeral port):
    /// a start that fails is thrown away and made again, with new ports and a new data folder, up to three times.
    /// </summary>
    public static async Task<LocalServersApplication> StartAsync(string purpose, Action<IDistributedApplicationBuilder, LocalServerOptions> add,
        params string[] resources)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(purpose, add, resources);
            }
            catch (Exception failed) when (attempt < 3 && failed is DistributedApplicationException or OperationCanceledException or TimeoutException)
            {
                await Console.Error.WriteLineAsync($"Test servers ({purpose}): start {attempt} failed ({failed.Message}); starting them again.");
            }
        }
    }

    private static async Task<LocalServersApplication> StartOnceAsync(string purpose, Action<IDistributedApplicationBuilder, LocalServerOptions> add, string[] resources)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "imaging-tests", $"{purpose}-{Guid.NewGuid():N}"[..(purpose.Length + 13)]);
        var builder = DistributedApplicationTestingBuilder.Create([], (options, _) => options.DisableDashboard = true);
        add(builder, new LocalServerOptions { DataDirectory = dataDirectory });
        var app = builder.Build();
        var started = new LocalServersApplication(app, dataDirectory);
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await app.StartAsync(patience.Token);
            await Task.WhenAll(resources.Select(name => app.ResourceNotifications.WaitForResourceHealthyAsync(name, patience.Token)));
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }

        return started;
    }

    public async Task<string> ConnectionStringAsync(string resource) =>
        await App.GetConnectionStringAsync(resource) ?? throw new InvalidOperationException($"'{resource}' has no connection string.");

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A server's last file handle may close a moment after its process; the folder is under /tmp.
        }
    }
}
