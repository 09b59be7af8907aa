using Microsoft.Extensions.Logging;

namespace AppHost.Hosting.Orchestration;

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} exited with code {ExitCode}; restart #{Restart} in {DelaySeconds} s")]
    public static partial void LogResourceRestart(this ILogger logger, string resource, int exitCode, int restart, double delaySeconds);

    // Debug: the start-up progress lines and the table say the same to a person; AppHost:LogLevel=Debug shows every change.
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Resource} is {State} ({Health})")]
    public static partial void LogResourceState(this ILogger logger, string resource, string state, HealthStatus health);

    [LoggerMessage(Level = LogLevel.Information, Message = "Servers run as {Runtime}: {Report}")]
    public static partial void LogRuntime(this ILogger logger, string runtime, string report);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopped {Count} process(es) left running by an earlier app host run that did not shut down: {Pids}")]
    public static partial void LogLeftovers(this ILogger logger, int count, string pids);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard command {Command} on {Resource}")]
    public static partial void LogResourceCommand(this ILogger logger, string resource, string command);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dashboard command {Command} on {Resource} failed")]
    public static partial void LogResourceCommandFailed(this ILogger logger, Exception error, string resource, string command);
}
