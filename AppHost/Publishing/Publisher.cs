using AppHost.Hosting;

namespace AppHost.Publishing;

/// <summary>`AppHost publish --output &lt;dir&gt; [--target compose|kubernetes|manifest]`: writes what a container platform runs.</summary>
internal static class Publisher
{
    public static IReadOnlyList<string> Publish(IDistributedApplicationBuilder builder)
    {
        var options = builder.Options.Publish;
        if (string.IsNullOrWhiteSpace(options.OutputPath))
        {
            throw new DistributedApplicationException("publish needs --output <dir>: the folder to write to (created if missing).");
        }

        var output = Path.GetFullPath(options.OutputPath);
        return options.Target switch
        {
            PublishTarget.Compose => ComposePublisher.Publish(builder, output),
            PublishTarget.Kubernetes => KubernetesPublisher.Publish(builder, output),
            PublishTarget.Manifest => ManifestPublisher.Publish(builder, output),
            _ => throw new DistributedApplicationException($"Unknown publish target '{options.Target}': use compose, kubernetes or manifest."),
        };
    }
}
