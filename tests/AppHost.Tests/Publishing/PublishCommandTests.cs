using System.Text.RegularExpressions;
using Imaging.TestSupport;

namespace AppHost.Tests.Publishing;

/// <summary>The `publish` verb of the real AppHost binary, and the images its files name.</summary>
public sealed class PublishCommandTests
{
    [Fact]
    public async Task The_verb_writes_the_target_and_refuses_a_missing_folder_or_an_unknown_target()
    {
        var output = Path.Combine(AppHostProcess.NewDataDirectory(), "out");
        await using (var good = AppHostProcess.Start(arguments: ["publish", "--output", output, "--target", "manifest"]))
        {
            Assert.Equal(0, await good.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            Assert.Contains("environment Production", good.StandardOutput, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(output, "aspire-manifest.json")));
        }

        await using (var noOutput = AppHostProcess.Start(arguments: ["publish"]))
        {
            Assert.Equal(1, await noOutput.WaitForExitAsync(TimeSpan.FromMinutes(1)));
            Assert.Contains("publish needs --output <dir>", noOutput.StandardError, StringComparison.Ordinal);
        }

        await using var badTarget = AppHostProcess.Start(arguments: ["publish", "--output", output, "--target", "helm"]);
        Assert.Equal(1, await badTarget.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("Unknown publish target 'helm'", badTarget.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ResultsApi", "resultsapi")]
    [InlineData("WorkflowWorker", "workflowworker")]
    [InlineData("ImagingImport", "imagingimport")]
    public void Each_service_has_a_multi_stage_non_root_Dockerfile_that_copies_every_project_it_builds(string project, string image)
    {
        var root = RepositoryRoot();
        var dockerfile = File.ReadAllText(Path.Combine(root, project, "Dockerfile"));

        Assert.Equal(2, Regex.Matches(dockerfile, @"^FROM ", RegexOptions.Multiline).Count);
        Assert.Matches(@"FROM mcr\.microsoft\.com/dotnet/aspnet:10\.0-noble-chiseled AS runtime", dockerfile);
        Assert.Matches(@"\nUSER app\n", dockerfile);
        Assert.Contains($"ENTRYPOINT [\"dotnet\", \"{project}.dll\"]", dockerfile, StringComparison.Ordinal);

        // Restore needs every project the service references, transitively, and each COPY source must exist.
        var copied = Regex.Matches(dockerfile, @"^COPY (?!--from)(?<sources>.+) \S+$", RegexOptions.Multiline)
            .SelectMany(m => m.Groups["sources"].Value.Split(' ')).ToList();
        Assert.All(copied, source => Assert.True(File.Exists(Path.Combine(root, source)) || Directory.Exists(Path.Combine(root, source)), $"{source} does not exist"));
        foreach (var reference in ProjectClosure(Path.Combine(root, project, $"{project}.csproj")))
        {
            var relative = Path.GetRelativePath(root, reference);
            Assert.Contains(relative, copied);
            Assert.Contains(Path.GetDirectoryName(relative) + "/", copied);
        }

        // The SDK's container publish names the image the compose file and Kubernetes objects use.
        var csproj = File.ReadAllText(Path.Combine(root, project, $"{project}.csproj"));
        Assert.Contains($"<ContainerRepository>{image}</ContainerRepository>", csproj, StringComparison.Ordinal);
        Assert.Contains("<ContainerPort Include=\"8080\" Type=\"tcp\" />", csproj, StringComparison.Ordinal);
    }

    private static IEnumerable<string> ProjectClosure(string project)
    {
        HashSet<string> seen = [];
        Stack<string> pending = new([Path.GetFullPath(project)]);
        while (pending.TryPop(out var current))
        {
            if (!seen.Add(current))
            {
                continue;
            }

            foreach (Match match in Regex.Matches(File.ReadAllText(current), "<ProjectReference Include=\"([^\"]+)\""))
            {
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(current)!, match.Groups[1].Value.Replace('\\', '/'))));
            }
        }

        return seen;
    }

    private static string RepositoryRoot()
    {
        var directory = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(directory, "aspire.sln")))
        {
            directory = Path.GetDirectoryName(directory) ?? throw new InvalidOperationException("aspire.sln not found above the test binaries.");
        }

        return directory;
    }
}
