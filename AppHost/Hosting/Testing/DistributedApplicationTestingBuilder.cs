using System.Reflection;

namespace AppHost.Hosting.Testing;

/// <summary>
/// Starts the whole application from a test, as Aspire's DistributedApplicationTestingBuilder does: it runs the
/// AppHost's own Main up to Build(), hands its builder to the test, and gives the run its own data folder, free
/// ports and local-process servers, deleted again when the application is disposed.
/// </summary>
public static class DistributedApplicationTestingBuilder
{
    public static async Task<DistributedApplicationBuilder> CreateAsync<TEntryPoint>(string[]? args = null, CancellationToken cancellationToken = default)
    {
        var entryPoint = typeof(TEntryPoint).Assembly.EntryPoint
            ?? throw new InvalidOperationException($"{typeof(TEntryPoint).Assembly.GetName().Name} has no entry point.");
        var hook = new TestingHook(args ?? []);
        var captured = new TaskCompletionSource<DistributedApplicationBuilder>(TaskCreationOptions.RunContinuationsAsynchronously);
        hook.Captured = captured;
        var thread = new Thread(() =>
        {
            TestingHook.Current = hook;
            try
            {
                entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? null : [args ?? []]);
                captured.TrySetException(new InvalidOperationException("The AppHost's Main returned without calling Build()."));
            }
            catch (TargetInvocationException ex) when (ex.InnerException is TestingBuilderCapturedException)
            {
            }
            catch (Exception ex)
            {
                captured.TrySetException(ex is TargetInvocationException { InnerException: { } inner } ? inner : ex);
            }
        })
        { IsBackground = true, Name = "AppHost entry point" };
        thread.Start();
        return await captured.Task.WaitAsync(TimeSpan.FromMinutes(1), cancellationToken);
    }

    /// <summary>An empty model with the testing defaults, for tests that compose their own resources.</summary>
    public static DistributedApplicationBuilder Create(params string[] args) => TestingHook.NewBuilder(args, null);
}

/// <summary>Lets CreateBuilder and Build inside the AppHost's Main know that a test is driving them.</summary>
internal sealed class TestingHook(string[] args)
{
    private static readonly AsyncLocal<TestingHook?> CurrentHook = new();

    public static TestingHook? Current
    {
        get => CurrentHook.Value;
        set => CurrentHook.Value = value;
    }

    public TaskCompletionSource<DistributedApplicationBuilder>? Captured { get; set; }

    public IDistributedApplicationBuilder CreateBuilder(string[] mainArgs) => NewBuilder(args.Length > 0 ? args : mainArgs, this);

    private static readonly string TestRunsRoot = Path.Combine(Path.GetTempPath(), "apphost-tests");
    private static int _abandonedRunsCleaned;

    internal static DistributedApplicationBuilder NewBuilder(string[] args, TestingHook? hook)
    {
        if (Interlocked.Exchange(ref _abandonedRunsCleaned, 1) == 0)
        {
            CleanUpAbandonedRuns(TestRunsRoot);
        }

        var dataDirectory = Path.Combine(TestRunsRoot, Guid.NewGuid().ToString("N")[..12]);
        var overrides = new Dictionary<string, string?>
        {
            ["AppHost:DataDirectory"] = dataDirectory,
            ["AppHost:Runtime"] = "Process",
            ["AppHost:Dashboard:Port"] = "0",
            ["AppHost:Dashboard:OtlpGrpcPort"] = "0",
            ["AppHost:Dashboard:OtlpHttpPort"] = "0",
            ["AppHost:LogLevel"] = "Warning",
            // The demo data job is its own test's business; everywhere else it would only add work and rows.
            ["AppHost:DemoData"] = "false",
        };
        var captured = false;
        return new DistributedApplicationBuilder(args, overrides, hook is null ? null : builder =>
        {
            // Only the first Build() (inside Main) is intercepted; the test's own Build() makes the application.
            if (captured)
            {
                return false;
            }

            captured = true;
            hook.Captured!.TrySetResult(builder);
            return true;
        })
        // A test that names its data folder (--data-dir) keeps it, e.g. to start the application on it again.
        { DeleteDataOnDispose = !args.Any(a => a is "--data-dir" || a.StartsWith("--AppHost:DataDirectory", StringComparison.Ordinal)) };
    }

    /// <summary>
    /// A test process that crashed (or a test that never disposed its application) leaves servers running. The
    /// first builder of each test process stops the processes of every run whose owner is gone, and deletes its data.
    /// </summary>
    internal static void CleanUpAbandonedRuns(string root)
    {
        if (!Directory.Exists(root))
        {
            return;
        }

        foreach (var run in Directory.EnumerateDirectories(root))
        {
            var stateFile = Path.Combine(run, "state.json");
            try
            {
                if (File.Exists(stateFile))
                {
                    using var state = System.Text.Json.JsonDocument.Parse(File.ReadAllText(stateFile));
                    var owner = state.RootElement.GetProperty("appHostPid").GetInt32();
                    var ownerStart = state.RootElement.TryGetProperty("appHostStartTime", out var start) && start.ValueKind == System.Text.Json.JsonValueKind.Number
                        ? start.GetInt64()
                        : (long?)null;
                    if (Orchestration.Orchestrator.ReadStartTime(owner) is { } running && running == ownerStart)
                    {
                        continue; // its owner still runs: another test process's live application
                    }

                    Orchestration.Orchestrator.StopLeftovers(stateFile);
                }
                else if (Directory.GetLastWriteTimeUtc(run) > DateTime.UtcNow.AddMinutes(-10))
                {
                    continue; // no state yet: possibly a run being set up right now
                }

                Directory.Delete(run, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or KeyNotFoundException)
            {
            }
        }
    }
}
