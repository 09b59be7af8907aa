using System.Diagnostics;
using AppHost.Hosting.Orchestration;

namespace AppHost.Hosting.Runtimes;

/// <summary>How a server runs as a container: image, port inside, environment, data volume, arguments.</summary>
internal sealed record ContainerSpec(
    string Image,
    int TargetPort,
    IReadOnlyDictionary<string, string> Environment,
    string VolumeTarget,
    IReadOnlyList<string> Arguments)
{
    /// <summary>An attached `docker run`: its output is the container's, and it forwards SIGTERM to the container.</summary>
    public ProcessSpec ToProcessSpec(string engine, string resourceName, string containerName, string volumeName, int hostPort, string workingDirectory)
    {
        List<string> arguments = ["run", "--rm", "--name", containerName, "-p", $"127.0.0.1:{hostPort}:{TargetPort}", "-v", $"{volumeName}:{VolumeTarget}"];
        foreach (var key in Environment.Keys.Order(StringComparer.Ordinal))
        {
            // Name only: the value comes from the client's own environment, so secrets stay out of the process list.
            arguments.AddRange(["-e", key]);
        }

        arguments.Add(Image);
        arguments.AddRange(Arguments);
        return new ProcessSpec($"{resourceName} (container)", engine, arguments, workingDirectory, Environment)
        {
            Cleanup = new ProcessSpec($"{resourceName} (container removal)", engine, ["rm", "-f", containerName], workingDirectory, new Dictionary<string, string>()),
        };
    }
}

/// <summary>Finds a container engine that answers (not just a CLI on PATH).</summary>
internal static class ContainerEngine
{
    public static async Task<(string? Engine, string Report)> DetectAsync(IReadOnlyList<string> candidates, CancellationToken cancellationToken)
    {
        List<string> reasons = [];
        foreach (var candidate in candidates)
        {
            try
            {
                var info = new ProcessStartInfo(candidate) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                info.ArgumentList.Add("info");
                info.ArgumentList.Add("--format");
                info.ArgumentList.Add("{{.ServerVersion}}");
                using var process = Process.Start(info)!;
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
                var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
                try
                {
                    await process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    process.Kill(entireProcessTree: true);
                    reasons.Add($"{candidate}: no answer within 5 s");
                    continue;
                }

                if (process.ExitCode == 0 && (await stdout).Trim().Length > 0)
                {
                    return (candidate, $"{candidate} {(await stdout).Trim()}");
                }

                var firstLine = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? $"exit code {process.ExitCode}";
                reasons.Add($"{candidate}: {firstLine}");
            }
            catch (System.ComponentModel.Win32Exception)
            {
                reasons.Add($"{candidate}: not installed");
            }
        }

        return (null, string.Join("; ", reasons));
    }
}
