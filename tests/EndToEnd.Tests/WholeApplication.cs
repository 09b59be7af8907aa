using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
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

    /// <summary>A client of ResultsApi logged in as the development admin the app host created.</summary>
    public async Task<HttpClient> LoginAsync(CancellationToken cancellationToken)
    {
        var client = App.CreateHttpClient("resultsapi");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await AdminTokenAsync(App, cancellationToken));
        return client;
    }

    /// <summary>An access token of the development admin the app host created in <paramref name="app"/>'s ResultsApi.</summary>
    public static async Task<string> AdminTokenAsync(DistributedApplication app, CancellationToken cancellationToken)
    {
        using var client = app.CreateHttpClient("resultsapi");
        var password = app.Secrets.GetOrCreatePassword("resultsapi-admin-password");
        using var login = await client.PostAsync("/api/v1/userlogin/login",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = "admin", ["password"] = password }), cancellationToken);
        login.EnsureSuccessStatusCode();
        return (await login.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("access_token").GetString()!;
    }
}
