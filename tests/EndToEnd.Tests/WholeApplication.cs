using AppHost;
using AppHost.Hosting;
using AppHost.Hosting.Testing;

namespace EndToEnd.Tests;

/// <summary>The AppHost's own model (Program.cs), started once for a test class and torn down after it.</summary>
public sealed class WholeApplication : IAsyncLifetime
{
    public DistributedApplication App { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<AppHostAssembly>();
        App = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await App.StartAsync(timeout.Token);
        await App.WaitForHealthyAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync() => await App.DisposeAsync();
}
