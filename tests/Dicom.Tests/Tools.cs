using System.Diagnostics;
using System.Text;

namespace Dicom.Tests;

/// <summary>Runs the oracles: DCMTK's command-line tools and pydicom in Debian's Python.</summary>
internal static class Tools
{
    public const string Python = "/usr/bin/python3";

    public static string OracleScript(string name) => Path.Combine(AppContext.BaseDirectory, "Oracle", name);

    public static (int ExitCode, string Output, string Error) Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }

    public static string RunChecked(string program, params string[] arguments)
    {
        var (code, output, error) = Run(program, arguments);
        if (code != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed with exit code {code}: {error}{output}");
        }

        return output;
    }
}
