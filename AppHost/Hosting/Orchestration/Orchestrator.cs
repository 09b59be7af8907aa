using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using AppHost.Hosting.Runtimes;
using Microsoft.Extensions.Logging;

namespace AppHost.Hosting.Orchestration;

/// <summary>
/// Starts the model: checks every prerequisite before starting anything, then starts every resource as soon as
/// what it waits for is healthy (independent ones in parallel), keeps state.json current, and stops everything in
/// reverse order (services before the servers they use).
/// </summary>
internal sealed class Orchestrator(IReadOnlyList<Resource> resources, OrchestrationContext context, string configurationPrefix)
{
    private static readonly JsonSerializerOptions StateJson = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly Lock _stateGate = new();
    private List<ResourceRunner> _runners = [];
    private List<Task> _running = [];
    private bool _stopped;

    public string StateFile => Path.Combine(context.DataDirectory, "state.json");

    public IReadOnlyDictionary<string, object?> Extra { get; set; } = new Dictionary<string, object?>();

    public async Task StartAsync(Func<string, int?> configuredPort, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(context.DataDirectory);
        StopLeftovers();
        await ResolveRuntimeAsync(cancellationToken);
        AllocatePorts(configuredPort);

        _runners = [.. resources.Select(CreateRunner)];
        // Everything is checked before anything runs: a missing binary leaves nothing behind.
        var preparations = _runners.Select(r => r.PrepareAsync(cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(preparations);
        }
        catch
        {
            var failure = preparations.First(p => p.IsFaulted).Exception!.InnerException!;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }

        context.Notifications.Changed += _ => WriteState();
        context.RecordProcesses = WriteState;
        _running = [.. _runners.Select(r => Task.Run(r.RunAsync, CancellationToken.None))];
    }

    public IReadOnlyList<string> CommandsFor(string resourceName) =>
        _runners.FirstOrDefault(r => r.Resource.Name == resourceName)?.Commands ?? [];

    /// <summary>Starts a dashboard command and returns at once; its effect shows in the resource's state.</summary>
    public ResourceCommandOutcome Execute(string resourceName, string command)
    {
        var runner = _runners.FirstOrDefault(r => r.Resource.Name == resourceName);
        if (runner is null)
        {
            return ResourceCommandOutcome.UnknownResource;
        }

        if (!runner.Commands.Contains(command))
        {
            return ResourceCommandOutcome.NotAvailable;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await runner.ExecuteAsync(command);
            }
            catch (Exception error)
            {
                context.Logger.LogResourceCommandFailed(error, resourceName, command);
            }
        });
        return ResourceCommandOutcome.Accepted;
    }

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await context.Stopping.CancelAsync();
        foreach (var stage in _runners.Select(r => r.StopStage).Distinct().Order())
        {
            await Task.WhenAll(_runners.Where(r => r.StopStage == stage).Select(r => r.StopAsync()));
        }

        await Task.WhenAll(_running).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        WriteState();
        context.Logs.Close();
    }

    private ResourceRunner CreateRunner(Resource resource) => resource switch
    {
        ServerResource server => new ServerRunner(server, context),
        PostgresDatabaseResource database => new DatabaseRunner(database, context),
        ProjectResource or ExecutableResource => new ProcessRunner(resource, context),
        ConnectionStringResource connectionString => new ConnectionStringRunner(connectionString, context),
        _ => throw new NotSupportedException($"No runner for {resource.GetType().Name}."),
    };

    private async Task ResolveRuntimeAsync(CancellationToken cancellationToken)
    {
        var needsServers = resources.OfType<ServerResource>().Any(s => s.ExistingConnectionString is null);
        if (context.Options.Runtime == ResourceRuntime.Process || !needsServers)
        {
            context.ServerRuntime = ResourceRuntime.Process;
            return;
        }

        var (engine, report) = await ContainerEngine.DetectAsync(context.Options.ContainerEngines, cancellationToken);
        if (engine is not null)
        {
            context.ServerRuntime = ResourceRuntime.Container;
            context.ContainerEngine = engine;
            context.Logger.LogRuntime("containers", report);
            return;
        }

        if (context.Options.Runtime == ResourceRuntime.Container)
        {
            throw new DistributedApplicationException(
                $"--runtime container was asked for, but no container engine answers ({report}). Start Docker or Podman, "
                + "or run with --runtime process to use the machine's own PostgreSQL, Redis and RabbitMQ.");
        }

        context.ServerRuntime = ResourceRuntime.Process;
        context.Logger.LogRuntime("local processes", $"no container engine answers ({report})");
    }

    private void AllocatePorts(Func<string, int?> configuredPort)
    {
        foreach (var resource in resources)
        {
            if (resource is ServerResource { ExistingConnectionString: not null })
            {
                continue;
            }

            var replicas = resource is ProjectResource project ? project.Replicas : 1;
            foreach (var endpoint in resource.Endpoints)
            {
                endpoint.AllocatedPorts.Clear();
                var key = $"{configurationPrefix}:Resources:{resource.Name}:Port";
                var fixedPort = configuredPort(resource.Name) ?? endpoint.Port;
                for (var i = 0; i < replicas; i++)
                {
                    endpoint.AllocatedPorts.Add(fixedPort is > 0 && i == 0
                        ? context.Ports.Claim(fixedPort.Value, $"resource '{resource.Name}'", key)
                        : context.Ports.Allocate());
                }
            }
        }
    }

    private void WriteState()
    {
        lock (_stateGate)
        {
            var state = new
            {
                AppHostPid = Environment.ProcessId,
                AppHostStartTime = ReadStartTime(Environment.ProcessId),
                context.RunId,
                Runtime = context.ServerRuntime == ResourceRuntime.Container ? $"container ({context.ContainerEngine})" : "process",
                UpdatedAt = context.Time.GetUtcNow(),
                Extra,
                Resources = context.Notifications.Current.OrderBy(r => resources.ToList().FindIndex(m => m.Name == r.Name)).ToList(),
                Processes = _stopped ? [] : _runners.SelectMany(r => r.AllSlots.SelectMany(s => s.Processes.Where(p => !p.Exited.IsCompleted)
                    .Select(p => new LeftoverProcess(r.Resource.Name, p.Pid, ReadStartTime(p.Pid))))).ToList(),
            };
            var temporary = StateFile + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(state, StateJson));
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.Move(temporary, StateFile, overwrite: true);
        }
    }

    /// <summary>
    /// An app host killed with SIGKILL cannot stop its children. The next run finds them in state.json and stops
    /// them, matching each by its start time so a reused process id is never touched.
    /// </summary>
    private void StopLeftovers()
    {
        var stopped = StopLeftovers(StateFile);
        if (stopped.Count > 0)
        {
            context.Logger.LogLeftovers(stopped.Count, string.Join(", ", stopped));
        }
    }

    /// <summary>Stops the processes a state file lists that still run (same pid and start time); returns their ids.</summary>
    internal static List<int> StopLeftovers(string stateFile)
    {
        if (!File.Exists(stateFile))
        {
            return [];
        }

        List<LeftoverProcess> leftovers;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(stateFile));
            leftovers = document.RootElement.TryGetProperty("processes", out var list)
                ? list.Deserialize<List<LeftoverProcess>>(StateJson) ?? []
                : [];
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            return [];
        }

        List<int> stopped = [];
        foreach (var leftover in leftovers)
        {
            if (leftover.StartTime is { } start && ReadStartTime(leftover.Pid) == start)
            {
                try
                {
                    using var process = System.Diagnostics.Process.GetProcessById(leftover.Pid);
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10_000);
                    stopped.Add(leftover.Pid);
                }
                catch (ArgumentException)
                {
                }
                catch (InvalidOperationException)
                {
                }
            }
        }

        return stopped;
    }

    internal static long? ReadStartTime(int pid)
    {
        try
        {
            // Field 22 of /proc/{pid}/stat, counted after the command name in parentheses (which may hold spaces).
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private sealed record LeftoverProcess(string Resource, int Pid, long? StartTime);
}
