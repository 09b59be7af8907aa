namespace AppHost.Hosting.Orchestration;

/// <summary>Everything needed to start one process of a resource.</summary>
internal sealed record ProcessSpec(
    string DisplayName,
    string FileName,
    IReadOnlyList<string> Arguments,
    string WorkingDirectory,
    IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>The signal that asks the process to stop cleanly (PostgreSQL wants SIGINT for a fast shutdown).</summary>
    public int StopSignal { get; init; } = Signals.SigTerm;

    /// <summary>Run after the process has gone, e.g. removing a container that a killed client left behind.</summary>
    public ProcessSpec? Cleanup { get; init; }

    /// <summary>Environment variables of the app host that this process must not inherit.</summary>
    public IReadOnlyList<string> RemoveInheritedPrefixes { get; init; } = ["ConnectionStrings__", "services__", "OTEL_", "ASPNETCORE_URLS"];
}

internal static class Signals
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    public static bool Send(int pid, int signal) => SysKill(pid, signal) == 0;

    /// <summary>True while a process with this id exists (signal 0 checks without sending).</summary>
    public static bool IsAlive(int pid) => SysKill(pid, 0) == 0 || System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == 1;
}
