namespace AppHost.Publishing;

public enum PublishTarget
{
    /// <summary>docker-compose.yaml and .env, in the style of Aspire's Docker Compose publisher.</summary>
    Compose,

    /// <summary>Kubernetes objects in the folder layout of Aspire's Kubernetes publisher, with a kustomization.yaml.</summary>
    Kubernetes,

    /// <summary>Aspire's JSON manifest (aspire-manifest.json).</summary>
    Manifest,
}

/// <summary>AppHost:Publish, set by `publish --output &lt;dir&gt; --target &lt;target&gt;`.</summary>
public sealed class PublishOptions
{
    public string? OutputPath { get; set; }

    public PublishTarget Target { get; set; } = PublishTarget.Compose;

    /// <summary>Prefixed to each service's image name (e.g. registry.example.org/imaging); empty for local images.</summary>
    public string? ImageRegistry { get; set; }

    public string ImageTag { get; set; } = "latest";

    /// <summary>Host port of each external endpoint in the compose file: the first, then one more for each.</summary>
    public int FirstHostPort { get; set; } = 8001;
}
