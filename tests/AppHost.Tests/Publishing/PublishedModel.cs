using System.Diagnostics;

namespace AppHost.Tests.Publishing;

/// <summary>
/// The app host's own model (Program.cs) published by the real app host binary into a fresh folder: Aspire.Hosting.Testing
/// stops Main at Build(), so `publish` (which runs after it) is only reachable as a process.
/// </summary>
internal sealed class PublishedModel : IDisposable
{
    private PublishedModel(string output)
    {
        Output = output;
    }

    public string Output { get; }

    /// <summary>What the app host printed while publishing.</summary>
    public string StandardOutput { get; private set; } = "";

    /// <summary>The .env file's variables (compose).</summary>
    public Dictionary<string, string> Env => File.ReadLines(Path.Combine(Output, ".env"))
        .Where(line => !line.StartsWith('#') && line.Contains('=', StringComparison.Ordinal))
        .Select(line => line.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);

    /// <summary>The value of every secret parameter in .env: the line after a "# Parameter … (secret)" comment.</summary>
    public Dictionary<string, string> EnvSecrets
    {
        get
        {
            var lines = File.ReadAllLines(Path.Combine(Output, ".env"));
            return lines.Skip(1).Select((line, i) => (Comment: lines[i], Line: line))
                .Where(p => p.Comment.StartsWith("# Parameter ", StringComparison.Ordinal) && p.Comment.EndsWith(" (secret)", StringComparison.Ordinal))
                .Select(p => p.Line.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        }
    }

    public static async Task<PublishedModel> PublishAsync(string target, params string[] settings)
    {
        var model = new PublishedModel(Path.Combine(Path.GetTempPath(), "apphost-publish-tests", Guid.NewGuid().ToString("N")[..12], "out"));
        await model.PublishAgainAsync(target, settings);
        return model;
    }

    /// <summary>Publishes into the same folder again, as a person does after changing the model or a setting.</summary>
    public async Task PublishAgainAsync(string target, params string[] settings)
    {
        var (exitCode, output, error) = await AppHostBinary.RunAsync(["publish", "--output", Output, "--target", target, .. settings]);
        Assert.True(exitCode == 0, $"publish failed ({exitCode}): {error}\n{output}");
        StandardOutput = output;
    }

    public string Read(string relativePath) => File.ReadAllText(Path.Combine(Output, relativePath));

    /// <summary>Runs a tool in the output folder.</summary>
    public (int ExitCode, string Output, string Error) Run(string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName, arguments) { WorkingDirectory = Output, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"{fileName} is not installed: run scripts/prerequisites.sh test (it installs it from Debian's packages).");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.WaitForExit(TimeSpan.FromMinutes(1));
            return (process.ExitCode, output.Result, error.Result);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path.GetDirectoryName(Output)!, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
