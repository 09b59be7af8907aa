using System.Diagnostics;

namespace AppHost.Hosting.Orchestration;

/// <summary>A child process whose output goes to the resource's console log, stopped with its whole tree.</summary>
internal sealed class ManagedProcess
{
    private readonly Process _process;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ManagedProcess(ProcessSpec spec, Process process)
    {
        Spec = spec;
        _process = process;
    }

    public ProcessSpec Spec { get; }

    public int Pid { get; private set; }

    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>Completes with the exit code when the process has exited.</summary>
    public Task<int> Exited => _exited.Task;

    public static ManagedProcess Start(ProcessSpec spec, ResourceLogStore logs, string logName)
    {
        var info = new ProcessStartInfo(spec.FileName)
        {
            WorkingDirectory = spec.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in spec.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var key in info.Environment.Keys.ToList())
        {
            if (spec.RemoveInheritedPrefixes.Any(p => key.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                info.Environment.Remove(key);
            }
        }

        foreach (var (key, value) in spec.Environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var managed = new ManagedProcess(spec, process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                logs.Append(logName, e.Data, isError: false);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                logs.Append(logName, e.Data, isError: true);
            }
        };
        process.Exited += (_, _) =>
        {
            // Let the output readers drain before reporting the exit, so the last lines are in the log.
            process.WaitForExit();
            managed._exited.TrySetResult(process.ExitCode);
        };

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new DistributedApplicationException($"Could not start {spec.DisplayName} ({spec.FileName}): {ex.Message}.", ex);
        }

        process.StandardInput.Close();
        managed.Pid = process.Id;
        managed.StartedAt = DateTimeOffset.UtcNow;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return managed;
    }

    /// <summary>Asks the process to stop, waits up to <paramref name="grace"/>, then kills what is left of its tree.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (!_exited.Task.IsCompleted)
        {
            Signals.Send(Pid, Spec.StopSignal);
            using var timeout = new CancellationTokenSource(grace);
            try
            {
                await _exited.Task.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }

        try
        {
            // Children (a shell's, a server's helpers) go too: no orphan keeps a port.
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }

        using var last = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _exited.Task.WaitAsync(last.Token);
        }
        catch (OperationCanceledException)
        {
        }

        _process.Dispose();
    }
}
