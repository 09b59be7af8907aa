using AppHost.Hosting.Orchestration;
using Microsoft.Extensions.Logging;

namespace AppHost.Hosting.Runtimes;

internal sealed record LocalServerContext(string DataDirectory, PortAllocator Ports, AppHostOptions Options, ILogger Logger);

/// <summary>
/// A server run from the machine's own binaries (Debian packages), listening on 127.0.0.1 only, with its data in
/// {data}/{resource} so it survives restarts.
/// </summary>
internal abstract class LocalServer(ServerResource resource, LocalServerContext context)
{
    protected ServerResource Resource { get; } = resource;

    protected LocalServerContext Context { get; } = context;

    protected string ServerDirectory => Path.Combine(Context.DataDirectory, Resource.Name);

    /// <summary>Checks binaries and the data folder and initialises it on first use; throws with what to do.</summary>
    public abstract Task PrepareAsync(CancellationToken cancellationToken);

    /// <summary>The processes to start, helpers first; the last one is the server itself.</summary>
    public abstract IReadOnlyList<ProcessSpec> CreateProcesses();

    protected static string RequireFile(string path, string what, string package)
    {
        if (!File.Exists(path))
        {
            throw new DistributedApplicationException(
                $"{what} is not installed: {path} does not exist. Install it with: sudo apt-get install -y {package} "
                + "(./run.sh installs what is missing), or run with --runtime container where Docker or Podman is available.");
        }

        return path;
    }

    protected static void WriteFile(string path, string content, UnixFileMode? mode = null)
    {
        File.WriteAllText(path, content);
        if (mode is { } m)
        {
            File.SetUnixFileMode(path, m);
        }
    }

    protected static bool IsRoot => Environment.UserName == "root" || GetEffectiveUserId() == 0;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();
}
