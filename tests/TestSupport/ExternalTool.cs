using System.Diagnostics;

namespace Imaging.TestSupport;

/// <summary>Runs the oracles and tools the tests check against (python3 with numpy and pydicom, DCMTK, dicom3tools).</summary>
public static class ExternalTool
{
    /// <summary>The tool's standard output, trimmed; throws with its standard error when it exits with a failure.</summary>
    public static string Run(string program, params string[] arguments)
    {
        var (exitCode, output, error) = RunUnchecked(program, arguments);
        return exitCode == 0 ? output.Trim() : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({exitCode}): {error}");
    }

    /// <summary>The tool's standard output, trimmed, after <paramref name="input"/> is written to its standard input.</summary>
    public static string RunWithInput(string input, string program, params string[] arguments)
    {
        var (exitCode, output, error) = RunUnchecked(program, arguments, input);
        return exitCode == 0 ? output.Trim() : throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({exitCode}): {error}");
    }

    /// <summary>Exit code, standard output and standard error, both read at once so neither pipe can fill and block the tool.</summary>
    public static (int ExitCode, string Output, string Error) RunUnchecked(string program, params string[] arguments) => RunUnchecked(program, arguments, null);

    private static (int ExitCode, string Output, string Error) RunUnchecked(string program, string[] arguments, string? input)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = input is not null };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }
}
