using System.Diagnostics;
using System.Text.Json;
using AppHost;
using AppHost.Hosting;
using AppHost.Hosting.Testing;

namespace AppHost.Tests.Publishing;

/// <summary>The AppHost's own model (Program.cs) published to a fresh folder, with its own data folder for the secrets.</summary>
internal sealed class PublishedModel : IDisposable
{
    private PublishedModel(string root)
    {
        Root = root;
    }

    public string Root { get; }

    public string Output => Path.Combine(Root, "out");

    public string DataDirectory => Path.Combine(Root, "data");

    /// <summary>Every generated secret of the publish (secrets.json in the data folder).</summary>
    public IReadOnlyDictionary<string, string> Secrets =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(DataDirectory, "secrets.json")))!;

    public static async Task<PublishedModel> PublishAsync(string target, params string[] settings)
    {
        var model = new PublishedModel(Path.Combine(Path.GetTempPath(), "apphost-publish-tests", Guid.NewGuid().ToString("N")[..12]));
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<AppHostAssembly>(
            ["publish", "--output", model.Output, "--target", target, "--data-dir", model.DataDirectory, .. settings], TestContext.Current.CancellationToken);
        Assert.True(builder.IsPublishing);
        // Not disposed: publishing starts nothing, and disposing a test application deletes its data folder (the secrets).
        Assert.NotEmpty(builder.Build().Publish());
        return model;
    }

    public string Read(string relativePath) => File.ReadAllText(Path.Combine(Output, relativePath));

    /// <summary>Runs a tool in the output folder; fails the test with its output when it fails.</summary>
    public static (int ExitCode, string Output, string Error) Run(string workingDirectory, string fileName, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

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
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
