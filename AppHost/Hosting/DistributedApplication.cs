using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using AppHost.Dashboard;
using AppHost.Dashboard.Apis;
using AppHost.Hosting.Orchestration;
using AppHost.Hosting.Runtimes;
using AppHost.Hosting.Testing;
using Microsoft.Extensions.Logging;

namespace AppHost.Hosting;

/// <summary>The running application: its resources, their state and logs, and the verbs to start and stop it.</summary>
public sealed class DistributedApplication : IAsyncDisposable
{
    private readonly DistributedApplicationBuilder _builder;
    private readonly ILoggerFactory _loggerFactory;
    private readonly OrchestrationContext _context;
    private readonly Orchestrator _orchestrator;
    private readonly PortAllocator _ports = new();
    private DashboardHost? _dashboard;
    private ManagedProcess? _aspireDashboard;
    private bool _started;
    private bool _disposed;

    internal DistributedApplication(DistributedApplicationBuilder builder)
    {
        _builder = builder;
        _loggerFactory = LoggerFactory.Create(logging => logging
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            })
            .SetMinimumLevel(builder.Configuration["AppHost:LogLevel"] is { } level && Enum.TryParse<LogLevel>(level, true, out var parsed) ? parsed : LogLevel.Information)
            .AddFilter("Microsoft.AspNetCore", LogLevel.Warning));
        var logger = _loggerFactory.CreateLogger("AppHost");
        _context = new OrchestrationContext(
            builder.Options, builder.DataDirectory, builder.EnvironmentName, logger, ResourceNotifications, ResourceLogs, _ports, TimeProvider.System);
        _orchestrator = new Orchestrator(builder.Resources, _context, AppHostOptions.SectionName);
    }

    public static IDistributedApplicationBuilder CreateBuilder(string[] args)
    {
        if (TestingHook.Current is { } hook)
        {
            return hook.CreateBuilder(args);
        }

        // A mistake in the model or the configuration is the person's to fix: say what it is, without a stack trace.
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            if (e.ExceptionObject is DistributedApplicationException error)
            {
                Console.Error.WriteLine($"error: {error.Message}");
                Environment.Exit(1);
            }
        };
        return new DistributedApplicationBuilder(args, overrides: null, interceptBuild: null);
    }

    public ResourceNotificationService ResourceNotifications { get; } = new();

    public ResourceLogStore ResourceLogs => _resourceLogs ??= new ResourceLogStore(Path.Combine(_builder.DataDirectory, "logs"));

    private ResourceLogStore? _resourceLogs;

    public IReadOnlyList<Resource> Resources => _builder.Resources;

    public string DataDirectory => _builder.DataDirectory;

    /// <summary>The run's generated passwords (e.g. ResultsApi's development admin), for tests and tools.</summary>
    public SecretStore Secrets => _builder.Secrets;

    public string StateFile => _orchestrator.StateFile;

    /// <summary>The dashboard's address, once started (null when it is switched off).</summary>
    public Uri? DashboardUrl { get; private set; }

    /// <summary>The dashboard's login link for this run (its plain address when the UI is unsecured).</summary>
    public Uri? DashboardLoginUrl { get; private set; }

    /// <summary>Starts every resource; returns once all are launched or waiting. Throws if a prerequisite is missing.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_started)
        {
            return;
        }

        _started = true;
        try
        {
            if (_builder.Options.Dashboard is { Enabled: true, UseAspireContainer: true } containerOptions)
            {
                await StartAspireDashboardAsync(containerOptions, cancellationToken);
            }
            else if (_builder.Options.Dashboard.Enabled)
            {
                var control = new ResourceControl(_orchestrator.CommandsFor, _orchestrator.Execute);
                _dashboard = await DashboardHost.StartAsync(_builder.Options.Dashboard, _ports, ResourceNotifications, ResourceLogs, control, cancellationToken);
                UseDashboard(_dashboard.Addresses);
            }

            foreach (var resource in Resources)
            {
                ResourceNotifications.Publish(new ResourceSnapshot(resource.Name, resource.Kind, KnownResourceStates.NotStarted, HealthStatus.Unknown,
                    "-", [], [], null, 0, null, null, [.. resource.WaitsFor.Select(r => r.Name)], null, [], []));
            }

            await _orchestrator.StartAsync(ConfiguredPort, cancellationToken);
        }
        catch
        {
            await StopAsync();
            throw;
        }
    }

    /// <summary>Waits until every resource is running and healthy; throws as soon as something cannot start.</summary>
    public async Task WaitForHealthyAsync(CancellationToken cancellationToken = default)
    {
        var all = Task.WhenAll(Services.Select(r => ResourceNotifications.WaitForResourceHealthyAsync(r.Name, cancellationToken)));
        await Task.WhenAny(all, _context.Fatal);
        if (_context.Fatal.IsCompleted)
        {
            // The application's own reason beats a dependent's "failed to start".
            var fatal = await _context.Fatal;
            throw fatal as DistributedApplicationException ?? new DistributedApplicationException(fatal.Message, fatal);
        }

        await all;
    }

    /// <summary>Everything but the jobs (projects that run to completion): what must be running and healthy.</summary>
    private IEnumerable<Resource> Services => Resources.Where(r => r is not ProjectResource { RunsToCompletion: true });

    private IEnumerable<ProjectResource> Jobs => Resources.OfType<ProjectResource>().Where(r => r.RunsToCompletion);

    /// <summary>Waits until every job has finished (or exited, or could not start); returns their final snapshots.</summary>
    public async Task<IReadOnlyList<ResourceSnapshot>> WaitForJobsAsync(CancellationToken cancellationToken = default) =>
        await Task.WhenAll(Jobs.Select(job => ResourceNotifications.WaitForResourceAsync(job.Name,
            s => s.State is KnownResourceStates.Finished or KnownResourceStates.Exited || s.IsTerminalFailure, cancellationToken)));

    /// <summary>Completes when a resource the application cannot run without has failed.</summary>
    public Task<Exception> Failure => _context.Fatal;

    public async Task StopAsync()
    {
        await _orchestrator.StopAsync();
        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync();
            _dashboard = null;
        }

        if (_aspireDashboard is not null)
        {
            await _aspireDashboard.StopAsync(TimeSpan.FromSeconds(_builder.Options.StopTimeoutSeconds));
            if (_aspireDashboard.Spec.Cleanup is { } cleanup)
            {
                await ManagedProcess.Start(cleanup, ResourceLogs, "dashboard").StopAsync(TimeSpan.FromSeconds(20));
            }

            _aspireDashboard = null;
        }
    }

    /// <summary>Points the services' telemetry at a dashboard and records where it is.</summary>
    private void UseDashboard(DashboardAddresses addresses)
    {
        DashboardUrl = addresses.Url;
        DashboardLoginUrl = addresses.LoginUrl;
        var protocol = _builder.Options.Dashboard.OtlpProtocol;
        var otlp = protocol == "grpc" ? addresses.OtlpGrpcUrl : addresses.OtlpHttpUrl;
        _context.Telemetry = new TelemetrySettings(otlp.ToString().TrimEnd('/'), protocol,
            addresses.OtlpApiKey is { } key ? $"{DashboardHost.ApiKeyHeader}={key}" : null);
        _orchestrator.Extra = new Dictionary<string, object?>
        {
            ["dashboard"] = addresses.Url.ToString(),
            ["dashboardLogin"] = addresses.LoginUrl.ToString(),
            ["otlpGrpc"] = addresses.OtlpGrpcUrl.ToString(),
            ["otlpHttp"] = addresses.OtlpHttpUrl.ToString(),
        };
    }

    private async Task StartAspireDashboardAsync(DashboardOptions options, CancellationToken cancellationToken)
    {
        var (engine, report) = await ContainerEngine.DetectAsync(_builder.Options.ContainerEngines, cancellationToken);
        if (engine is null)
        {
            throw new DistributedApplicationException(
                $"AppHost:Dashboard:UseAspireContainer asks for the Aspire dashboard's container, but no container engine answers ({report}). "
                + "Start Docker or Podman, or set AppHost:Dashboard:UseAspireContainer=false to use the app host's own dashboard.");
        }

        var addresses = DashboardAddresses.Resolve(options, _ports, "the Aspire dashboard");
        var spec = AspireDashboardContainer.Spec(options, engine, $"apphost-dashboard-{Path.GetFileName(DataDirectory)}-{Environment.ProcessId}", addresses, DataDirectory);
        _aspireDashboard = ManagedProcess.Start(spec, ResourceLogs, "dashboard");
        UseDashboard(addresses);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await StopAsync();
        _loggerFactory.Dispose();
        if (_builder.DeleteDataOnDispose)
        {
            try
            {
                Directory.Delete(_builder.DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// Runs a resource command (start, stop, restart) as the dashboard's buttons do, and returns at once; the state it
    /// causes arrives through <see cref="ResourceNotifications"/>. Tests use it to take a server away and bring it back.
    /// </summary>
    public ResourceCommandOutcome ExecuteCommand(string resourceName, string command) => _orchestrator.Execute(resourceName, command);

    public HttpClient CreateHttpClient(string resourceName, string endpointName = "http") =>
        new() { BaseAddress = GetEndpoint(resourceName, endpointName) };

    public Uri GetEndpoint(string resourceName, string endpointName = "http")
    {
        var resource = Resources.FirstOrDefault(r => r.Name == resourceName)
            ?? throw new ArgumentException($"No resource named '{resourceName}'.", nameof(resourceName));
        var endpoint = resource.FindEndpoint(endpointName)
            ?? throw new ArgumentException($"'{resourceName}' has no endpoint '{endpointName}'.", nameof(endpointName));
        if (endpoint.AllocatedPorts.Count == 0)
        {
            throw new InvalidOperationException("The application has not been started.");
        }

        return new Uri(endpoint.UrlFor(0));
    }

    public Task<string?> GetConnectionStringAsync(string resourceName, CancellationToken cancellationToken = default) =>
        Task.FromResult((Resources.FirstOrDefault(r => r.Name == resourceName) as IResourceWithConnectionString)?.GetConnectionString());

    public void Run()
    {
        if (!_builder.IsPublishing)
        {
            RunAsync().GetAwaiter().GetResult();
            return;
        }

        try
        {
            var target = _builder.Options.Publish.Target.ToString().ToLowerInvariant();
            Console.WriteLine($"Publishing {Resources.Count} resources ({target}, environment {_builder.EnvironmentName}):");
            foreach (var file in Publish())
            {
                Console.WriteLine($"  {file}");
            }
        }
        catch (DistributedApplicationException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            Environment.ExitCode = 1;
        }
    }

    /// <summary>Writes the model for a container platform (`publish --output --target`); returns the files written.</summary>
    public IReadOnlyList<string> Publish() => Publishing.Publisher.Publish(_builder);

    /// <summary>Starts everything, prints where it runs, and keeps it running until Ctrl+C or SIGTERM. Exit code 1 on failure.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        void OnSignal(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.Cancel();
        }

        var clock = Stopwatch.StartNew();
        var exitCode = 0;
        try
        {
            Console.WriteLine($"Starting {Resources.Count} resources. Data: {DataDirectory}");
            // Start-up progress, a line per resource as it becomes healthy (or fails), so a slow server is seen while it is slow.
            using var progress = StartupProgress.Print(ResourceNotifications, [.. Services], clock, Console.Out);
            await StartAsync(stop.Token);
            var ready = WaitForHealthyAsync(stop.Token);
            var stopped = Task.Delay(Timeout.Infinite, stop.Token);
            if (await Task.WhenAny(ready, stopped) == ready)
            {
                await ready;
                progress.Dispose();
                Console.WriteLine(ResourceTable.Render(ResourceNotifications.Current, Resources));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"All {Services.Count()} resources healthy in {clock.Elapsed.TotalSeconds:0.0} s. State: {StateFile}"));
                if (DashboardLoginUrl is not null)
                {
                    Console.WriteLine($"Dashboard: {DashboardLoginUrl}");
                }

                foreach (var note in _builder.Notes)
                {
                    Console.WriteLine(note);
                }

                Console.WriteLine("Press Ctrl+C to stop.");
                _ = ReportJobsAsync(clock, stop.Token);
                var failed = _context.Fatal;
                if (await Task.WhenAny(failed, stopped) == failed)
                {
                    throw await failed;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (DistributedApplicationException ex)
        {
            exitCode = 1;
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
        }
        finally
        {
            Console.WriteLine("Stopping...");
            await DisposeAsync();
            Console.WriteLine("Stopped.");
        }

        Environment.ExitCode = exitCode;
    }

    // A job's outcome, and the notes it leaves, are printed when it ends: the system is usable while a job still runs.
    private async Task ReportJobsAsync(Stopwatch clock, CancellationToken cancellationToken)
    {
        foreach (var job in Jobs)
        {
            Console.WriteLine($"{job.Name}: running (its progress is in the dashboard's console page, and {Path.Combine(DataDirectory, "logs", job.Name + ".log")})");
        }

        try
        {
            foreach (var snapshot in await WaitForJobsAsync(cancellationToken))
            {
                var job = Jobs.Single(j => j.Name == snapshot.Name);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{job.Name}: {snapshot.State} at {clock.Elapsed.TotalSeconds:0.0} s{(snapshot.Message is { } why ? $" ({why})" : "")}"));
                foreach (var note in snapshot.State == KnownResourceStates.Finished ? job.NotesWhenFinished?.Invoke() ?? [] : [])
                {
                    Console.WriteLine(note);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private int? ConfiguredPort(string resourceName) =>
        int.TryParse(_builder.Configuration[$"AppHost:Resources:{resourceName}:Port"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var port)
            ? port
            : null;
}
