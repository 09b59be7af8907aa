using System.Net;
using System.Net.Sockets;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Imaging.TestSupport;

/// <summary>
/// Runs an app host's model (its Program.cs; TAppHost is its Projects class) through Aspire.Hosting.Testing, as Aspire's own tests do, with servers
/// from the Debian packages, a data folder of its own under /tmp/imaging-tests, and (when asked) Aspire's dashboard on
/// free ports with its telemetry API open to <see cref="DashboardApiKey"/>.
/// </summary>
public sealed class AppHostTesting : IAsyncDisposable
{
    public const string DashboardApiKey = "imaging-tests-dashboard-api-key";

    /// <summary>The dashboard's browser token in tests (the login link's t=…); a developer's run makes a new one each time.</summary>
    public const string DashboardBrowserToken = "imaging-tests-dashboard-browser-token";

    private readonly Dictionary<string, ResourceEvent> _instances = [];
    private readonly CancellationTokenSource _watching = new();
    private readonly Task _watch;

    private AppHostTesting(DistributedApplication app, string dataDirectory, string secretsId, Uri? dashboard)
    {
        App = app;
        DataDirectory = dataDirectory;
        SecretsId = secretsId;
        DashboardUrl = dashboard;
        // Every replica's latest state, by its DCP id: Aspire answers state queries by resource name for one instance only.
        _watch = Task.Run(async () =>
        {
            try
            {
                await foreach (var update in app.ResourceNotifications.WatchAsync(_watching.Token))
                {
                    lock (_instances)
                    {
                        _instances[update.ResourceId] = update;
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public DistributedApplication App { get; }

    /// <summary>AppHost:DataDirectory of this run: the servers' data, storage and the demo's files.</summary>
    public string DataDirectory { get; }

    /// <summary>
    /// The user-secrets id this run keeps its generated passwords under (ASPIRE_USER_SECRETS_ID): one of its own, so
    /// parallel runs never write one secrets file at once, and a developer's own secrets are never touched.
    /// </summary>
    public string SecretsId { get; }

    /// <summary>The app host's own notes so far (its "AppHost" log category).</summary>
    public AppHostLog Log { get; private init; } = new();

    /// <summary>The dashboard's address, when started with one: its endpoint as DCP allocated it (tests randomize ports).</summary>
    public Uri? DashboardUrl { get; private set; }

    /// <summary>The dashboard's login link, as the app host prints it.</summary>
    public Uri DashboardLoginUrl => new(DashboardUrl ?? throw new InvalidOperationException("This run has no dashboard."), $"/login?t={DashboardBrowserToken}");

    public static string NewDataDirectory(string purpose) =>
        Path.Combine(Path.GetTempPath(), "imaging-tests", $"{purpose}-{Guid.NewGuid():N}"[..(purpose.Length + 13)]);

    /// <summary>
    /// Builds the app host's model with <paramref name="arguments"/> (command-line configuration, as a person passes
    /// it to `dotnet run --project AppHost`), starts it and waits until every service is healthy.
    /// </summary>
    public static async Task<AppHostTesting> StartAsync<TAppHost>(IEnumerable<string> arguments, bool dashboard = false, string? dataDirectory = null,
        TimeSpan? timeout = null, bool demo = false, string? secretsId = null)
        where TAppHost : class
    {
        dataDirectory ??= NewDataDirectory("app");
        secretsId ??= NewSecretsId();
        List<string> args = [.. CommonArguments(dataDirectory, secretsId), $"--AppHost:DemoData={demo}", .. arguments];
        if (dashboard)
        {
            args.AddRange([
                $"--ASPNETCORE_URLS=http://localhost:{FreePort()}",
                $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://localhost:{FreePort()}",
                $"--ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://localhost:{FreePort()}",
                "--ASPIRE_ALLOW_UNSECURED_TRANSPORT=true",
                $"--AppHost:DashboardApiKey={DashboardApiKey}",
                $"--ASPIRE_DASHBOARD_FRONTEND_BROWSERTOKEN={DashboardBrowserToken}",
            ]);
        }

        // The servers bind the ports they were given when the model was built; another test assembly starting its own
        // servers at the same moment can take one first, and DCP then fails the start. Started again, with new ports.
        // Likewise the app host refuses to build its model while a port it checks is held for a moment by another test
        // (the one that squats a port on purpose); its entry point then returns without building.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync<TAppHost>(args, dashboard, dataDirectory, secretsId, timeout, keepDataOnFailure: attempt < 3);
            }
            catch (Exception failed) when (attempt < 3 && (failed is DistributedApplicationException or OperationCanceledException or TimeoutException
                || failed is InvalidOperationException && failed.Message.Contains("exited without building", StringComparison.Ordinal)))
            {
                await Console.Error.WriteLineAsync($"App host start {attempt} failed ({failed.Message}); starting it again.");
                await Task.Delay(TimeSpan.FromSeconds(3));
            }
        }
    }

    private static async Task<AppHostTesting> StartOnceAsync<TAppHost>(List<string> args, bool dashboard, string dataDirectory, string secretsId,
        TimeSpan? timeout, bool keepDataOnFailure)
        where TAppHost : class
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<TAppHost>([.. args],
            (options, _) => options.DisableDashboard = !dashboard);
        var log = new AppHostLog();
        builder.Services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(log);
        var app = await builder.BuildAsync();
        var run = new AppHostTesting(app, dataDirectory, secretsId, null) { Log = log };
        using var patience = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await app.StartAsync(patience.Token);
            await app.WaitForServicesHealthyAsync(patience.Token);
            if (dashboard)
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync("aspire-dashboard", patience.Token);
                run.DashboardUrl = app.GetEndpoint("aspire-dashboard", "http");
            }
        }
        catch (Exception failed) when (failed is OperationCanceledException or DistributedApplicationException)
        {
            var states = string.Join("; ", app.Services.GetRequiredService<DistributedApplicationModel>().Resources
                .Select(r => app.ResourceNotifications.TryGetCurrentState(r.Name, out var e) ? $"{r.Name} {e.Snapshot.State?.Text} {e.Snapshot.HealthStatus}" : $"{r.Name} ?"));
            run.KeepData = keepDataOnFailure;
            await run.DisposeAsync();
            throw new TimeoutException($"The application did not start healthy ({failed.GetType().Name}: {failed.Message}): {states}", failed);
        }

        return run;
    }

    /// <summary>The latest state of each replica of <paramref name="resource"/>.</summary>
    public IReadOnlyList<CustomResourceSnapshot> Replicas(string resource)
    {
        lock (_instances)
        {
            return [.. _instances.Values.Where(e => e.Resource.Name == resource).Select(e => e.Snapshot)];
        }
    }

    /// <summary>
    /// The process ids of the resource's running replicas: the service's own process. Aspire starts a project with
    /// `dotnet run --no-build`, so DCP's pid is that launcher's and the service is its child.
    /// </summary>
    public IReadOnlyList<int> Pids(string resource) =>
        [.. Replicas(resource).Where(s => s.State?.Text == KnownResourceStates.Running)
            .Select(s => s.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value).OfType<int>()
            .Select(ServiceProcess)];

    private static int ServiceProcess(int pid)
    {
        var commandLine = ProcessTable.CommandLine(pid);
        return commandLine.StartsWith("dotnet run ", StringComparison.Ordinal) && ProcessTable.Children(pid) is [var service, ..] ? service : pid;
    }

    /// <summary>
    /// Only some servers of the app host's model, started exactly as the app host starts them (same resources,
    /// binaries, passwords and connection strings): the model is built from Program.cs, then everything else is taken out.
    /// </summary>
    public static async Task<DistributedApplication> StartServersAsync<TAppHost>(string dataDirectory, string secretsId, IReadOnlyCollection<string> servers, params string[] arguments)
        where TAppHost : class
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<TAppHost>(
            [.. CommonArguments(dataDirectory, secretsId), "--AppHost:DemoData=false", .. arguments]);
        bool Kept(IResource resource) => resource is ParameterResource
            || servers.Contains(resource.Name)
            || servers.Any(server => resource.Name.StartsWith(server + "-", StringComparison.Ordinal))
            || resource is IResourceWithParent { Parent: var parent } && Kept(parent);
        foreach (var resource in builder.Resources.Where(r => !Kept(r)).ToList())
        {
            builder.Resources.Remove(resource);
        }

        var app = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await app.StartAsync(timeout.Token);
        await Task.WhenAll(servers.Select(name => app.ResourceNotifications.WaitForResourceHealthyAsync(name, timeout.Token)));
        return app;
    }

    public static string NewSecretsId() => $"imaging-tests-{Guid.NewGuid():N}";

    /// <summary>Deletes the user-secrets folder of <paramref name="secretsId"/> (~/.microsoft/usersecrets/{id}).</summary>
    public static void DeleteSecrets(string secretsId)
    {
        var folder = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "Microsoft", "UserSecrets", secretsId);
        var home = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".microsoft", "usersecrets", secretsId);
        foreach (var candidate in new[] { folder, home })
        {
            if (Directory.Exists(candidate))
            {
                Directory.Delete(candidate, recursive: true);
            }
        }
    }

    private static string[] CommonArguments(string dataDirectory, string secretsId) =>
        [$"--AppHost:DataDirectory={dataDirectory}", "--AppHost:Servers=Processes", $"--ASPIRE_USER_SECRETS_ID={secretsId}", "--DOTNET_ENVIRONMENT=Development"];

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _watching.CancelAsync();
        await _watch;
        await App.DisposeAsync();
        if (!KeepData)
        {
            DeleteSecrets(SecretsId);
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Keep the data folder and the secrets after disposing, to start the system on them again.</summary>
    public bool KeepData { get; set; }
}

/// <summary>What tests ask of a running application beyond Aspire.Hosting.Testing's own calls.</summary>
public static class DistributedApplicationExtensions
{
    /// <summary>Waits until every service (project) is healthy; jobs such as demo-data are waited for with <see cref="WaitForJobAsync"/>.</summary>
    public static async Task WaitForServicesHealthyAsync(this DistributedApplication app, CancellationToken cancellationToken)
    {
        var services = app.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Where(r => r is ProjectResource && r.Annotations.OfType<HealthCheckAnnotation>().Any());
        await Task.WhenAll(services.Select(s => app.ResourceNotifications.WaitForResourceHealthyAsync(s.Name, cancellationToken)));
    }

    /// <summary>Waits until the job ends (Finished or Exited) and returns its last state.</summary>
    public static async Task<CustomResourceSnapshot> WaitForJobAsync(this DistributedApplication app, string job, CancellationToken cancellationToken) =>
        (await app.ResourceNotifications.WaitForResourceAsync(job,
            e => e.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state), cancellationToken)).Snapshot;

    /// <summary>
    /// Waits until the resource no longer runs: a terminal state (Finished, Exited, FailedToStart), or Unknown, which
    /// Aspire shows for a stopped executable whose process DCP saw end while the app host was busy (seen after a
    /// broker restart): no process of it is left then either.
    /// </summary>
    public static Task WaitForStoppedAsync(this DistributedApplication app, string resource, CancellationToken cancellationToken) =>
        app.ResourceNotifications.WaitForResourceAsync(resource,
            e => e.Snapshot.State?.Text is { } state && (KnownResourceStates.TerminalStates.Contains(state) || state == "Unknown"), cancellationToken);

    /// <summary>A parameter's value: a generated password or key, as the app host's user secrets keep it.</summary>
    public static async Task<string> ParameterAsync(this DistributedApplication app, string name, CancellationToken cancellationToken = default) =>
        await app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ParameterResource>().Single(p => p.Name == name)
            .GetValueAsync(cancellationToken) ?? throw new InvalidOperationException($"Parameter {name} has no value.");

    /// <summary>The resources' processes as DCP reports their pids (executables and projects), and every process under them.</summary>
    public static List<int> ProcessesOf(this DistributedApplication app, IEnumerable<string> resources)
    {
        List<int> pids = [];
        foreach (var name in resources)
        {
            if (app.ResourceNotifications.TryGetCurrentState(name, out var state)
                && state.Snapshot.Properties.FirstOrDefault(p => p.Name is "executable.pid" or "project.pid")?.Value is int pid)
            {
                pids.Add(pid);
            }
        }

        return [.. pids, .. pids.SelectMany(ProcessTable.Descendants).Distinct()];
    }

    /// <summary>Every line the resource (all its replicas) has printed so far.</summary>
    public static async Task<List<string>> ConsoleLinesAsync(this DistributedApplication app, string resource, CancellationToken cancellationToken = default)
    {
        var model = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resource);
        List<string> lines = [];
        await foreach (var batch in app.Services.GetRequiredService<ResourceLoggerService>().GetAllAsync(model).WithCancellation(cancellationToken))
        {
            lines.AddRange(batch.Select(l => l.Content));
        }

        return lines;
    }

    /// <summary>
    /// The resource's lines once one of them matches, or as they are when the wait is over (the caller's assertion then
    /// says what is missing): a process's output reaches the app host a moment after the state it reports.
    /// </summary>
    public static async Task<List<string>> WaitForLineAsync(this DistributedApplication app, string resource, Func<string, bool> match,
        CancellationToken cancellationToken, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        var lines = await app.ConsoleLinesAsync(resource, cancellationToken);
        while (!lines.Any(match) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, cancellationToken);
            lines = await app.ConsoleLinesAsync(resource, cancellationToken);
        }

        return lines;
    }

    /// <summary>Runs a resource command (stop, start, restart) as the dashboard's buttons do, and fails with its message if refused.</summary>
    public static async Task ExecuteCommandAsync(this DistributedApplication app, string resource, string command, CancellationToken cancellationToken)
    {
        var model = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resource);
        var result = await app.ResourceCommands.ExecuteCommandAsync(model, command, cancellationToken);
        if (!result.Success)
        {
            throw new InvalidOperationException($"Command {command} on {resource} failed: {result.Message}");
        }
    }

    /// <summary>Healthy and running, with every replica up.</summary>
    public static Task WaitRunningHealthyAsync(this DistributedApplication app, string resource, CancellationToken cancellationToken) =>
        app.ResourceNotifications.WaitForResourceAsync(resource,
            e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy, cancellationToken);
}
