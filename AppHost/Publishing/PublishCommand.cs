using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AppHost.Publishing;

/// <summary>
/// `publish --output DIR [--target compose|kubernetes|manifest] [--image-registry R] [--image-tag T]`: builds the
/// model in Aspire's publish mode and writes it for a container platform. Any other argument is configuration, as
/// for a run (e.g. --WorkflowWorker:Replicas=3). The manifest is Aspire's own; compose and Kubernetes files are
/// ours, from the same model, because Aspire's publishers for them are not served here (docs/decisions/0012-publishing.md).
/// </summary>
internal sealed class PublishCommand
{
    public const string ManifestFile = "aspire-manifest.json";

    public required string Output { get; init; }

    /// <summary>compose, kubernetes or manifest.</summary>
    public required string Target { get; init; }

    /// <summary>Prefixed to each service's image name (e.g. registry.example.org/imaging); empty for local images.</summary>
    public string? ImageRegistry { get; init; }

    public string ImageTag { get; init; } = "latest";

    /// <summary>What Aspire is started with: its publish mode (manifest publisher), then the configuration passed through.</summary>
    public required string[] AspireArguments { get; init; }

    public static PublishCommand? Parse(string[] args)
    {
        if (args is not ["publish", ..])
        {
            return null;
        }

        Dictionary<string, string> options = [];
        List<string> passThrough = [];
        for (var i = 1; i < args.Length; i++)
        {
            var (name, inline) = args[i].Split('=', 2) is [var n, var v] ? (n, v) : (args[i], null);
            if (name is not ("--output" or "--target" or "--image-registry" or "--image-tag"))
            {
                passThrough.Add(args[i]);
            }
            else if ((inline ?? (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null)) is { } value)
            {
                options[name] = value;
            }
        }

        if (!options.TryGetValue("--output", out var output) || string.IsNullOrWhiteSpace(output))
        {
            throw new DistributedApplicationException("publish needs --output <dir>: the folder to write to (created if missing).");
        }

        var target = options.GetValueOrDefault("--target", "compose");
        if (target is not ("compose" or "kubernetes" or "manifest"))
        {
            throw new DistributedApplicationException($"Unknown publish target '{target}': use compose, kubernetes or manifest.");
        }

        output = Path.GetFullPath(output);
        // A published deployment is Production unless asked otherwise (`dotnet run`'s launch profile says Development).
        string[] environment = passThrough.Any(a => a == "--environment" || a.StartsWith("--environment=", StringComparison.Ordinal)) ? [] : ["--environment", "Production"];
        return new PublishCommand
        {
            Output = output,
            Target = target,
            ImageRegistry = options.GetValueOrDefault("--image-registry"),
            ImageTag = options.GetValueOrDefault("--image-tag", "latest"),
            AspireArguments = ["--operation", "publish", "--publisher", "manifest", "--output-path", Path.Combine(output, ManifestFile), .. environment, .. passThrough],
        };
    }

    public async Task<int> WriteAsync(DistributedApplication app)
    {
        Console.WriteLine($"Publishing the application model ({Target}, environment {app.Services.GetRequiredService<IHostEnvironment>().EnvironmentName}) to {Output}");
        IReadOnlyList<string> written = [Path.Combine(Output, ManifestFile)];
        if (Target == "manifest")
        {
            // Aspire's own manifest: in publish mode, running the app host runs its publish-manifest step, then stops.
            await app.RunAsync();
        }
        else
        {
            // Nothing is started: the model is only evaluated, as publish mode gives it.
            var workloads = await Workloads.BuildAsync(app, this, CancellationToken.None);
            var configuration = app.Services.GetRequiredService<IConfiguration>();
            written = Target == "compose"
                ? await ComposeWriter.WriteAsync(workloads, this, configuration, CancellationToken.None)
                : await KubernetesWriter.WriteAsync(workloads, this, configuration, CancellationToken.None);
        }

        foreach (var file in written)
        {
            Console.WriteLine($"  wrote {file}");
        }

        return 0;
    }
}
