using AppHost.Dashboard.Telemetry;

namespace AppHost.Hosting;

public enum ResourceRuntime
{
    /// <summary>Containers where a Docker or Podman engine answers, local processes otherwise.</summary>
    Auto,
    Container,
    Process,
}

/// <summary>The app host's own settings, bound from the "AppHost" section (and --runtime / --data-dir).</summary>
public sealed class AppHostOptions
{
    public const string SectionName = "AppHost";

    public ResourceRuntime Runtime { get; set; } = ResourceRuntime.Auto;

    /// <summary>Server data, generated passwords, logs and state.json. Default: AppHost/.data (git-ignored).</summary>
    public string? DataDirectory { get; set; }

    /// <summary>How long a server may take to become healthy before start-up is abandoned.</summary>
    public int ServerStartTimeoutSeconds { get; set; } = 90;

    /// <summary>How long a process may take to stop after it is asked to, before its whole tree is killed.</summary>
    public int StopTimeoutSeconds { get; set; } = 15;

    /// <summary>The longest wait between restarts of a crashed process.</summary>
    public int MaxRestartDelaySeconds { get; set; } = 30;

    public DashboardOptions Dashboard { get; set; } = new();

    /// <summary>What `publish` writes and where (set by --output and --target).</summary>
    public Publishing.PublishOptions Publish { get; set; } = new();

    /// <summary>Where the local server binaries are; empty means the Debian packages' locations.</summary>
    public BinaryOptions Binaries { get; set; } = new();

    /// <summary>Container engine CLIs tried in order when the runtime is Auto or Container.</summary>
    public List<string> ContainerEngines { get; set; } = ["docker", "podman"];
}

/// <summary>The dashboard the app host serves (AppHost:Dashboard), on the ports and conventions of Aspire's.</summary>
public sealed class DashboardOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>The dashboard's web UI (Aspire's default 18888); 0 picks a free port.</summary>
    public int Port { get; set; } = 18888;

    /// <summary>OTLP over gRPC (Aspire's standalone default 18889); 0 picks a free port.</summary>
    public int OtlpGrpcPort { get; set; } = 18889;

    /// <summary>OTLP over HTTP/protobuf (Aspire's standalone default 18890); 0 picks a free port.</summary>
    public int OtlpHttpPort { get; set; } = 18890;

    /// <summary>What the services export with: "grpc" (as under Aspire) or "http/protobuf".</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>BrowserToken: the UI needs the login link printed at start. Unsecured: anyone on this machine may open it.</summary>
    public DashboardAuthMode AuthMode { get; set; } = DashboardAuthMode.BrowserToken;

    /// <summary>A fixed login token; empty means a new one each run.</summary>
    public string? BrowserToken { get; set; }

    /// <summary>ApiKey: exports must carry x-otlp-api-key (the app host gives it to the services). Unsecured: no key.</summary>
    public OtlpAuthMode OtlpAuthMode { get; set; } = OtlpAuthMode.ApiKey;

    /// <summary>A fixed OTLP API key; empty means a new one each run.</summary>
    public string? OtlpApiKey { get; set; }

    public TelemetryLimits TelemetryLimits { get; set; } = new();

    /// <summary>Run the real Aspire dashboard's container instead of ours (telemetry only; needs Docker or Podman).</summary>
    public bool UseAspireContainer { get; set; }

    public string AspireContainerImage { get; set; } = "mcr.microsoft.com/dotnet/aspire-dashboard:9.5";

    internal IEnumerable<string> Validate()
    {
        if (OtlpProtocol is not ("grpc" or "http/protobuf"))
        {
            yield return $"AppHost:Dashboard:OtlpProtocol must be grpc or http/protobuf (it is '{OtlpProtocol}').";
        }

        foreach (var (name, value) in new[] { ("BrowserToken", BrowserToken), ("OtlpApiKey", OtlpApiKey) })
        {
            if (value is { Length: > 0 and < 16 })
            {
                yield return $"AppHost:Dashboard:{name} must be at least 16 characters, or empty for a new one each run.";
            }
        }

        foreach (var error in TelemetryLimits.Validate())
        {
            yield return error;
        }
    }
}

public enum DashboardAuthMode
{
    BrowserToken,
    Unsecured,
}

public enum OtlpAuthMode
{
    ApiKey,
    Unsecured,
}

public sealed class BinaryOptions
{
    /// <summary>Folder with postgres and initdb, e.g. /usr/lib/postgresql/15/bin.</summary>
    public string? PostgresBinDirectory { get; set; }

    public string? RedisServer { get; set; }

    /// <summary>Folder with rabbitmq-server and rabbitmqctl, e.g. /usr/lib/rabbitmq/bin.</summary>
    public string? RabbitMQBinDirectory { get; set; }

    public string? Epmd { get; set; }

    public string? Orthanc { get; set; }

    /// <summary>Folder with Orthanc's plugins (the DICOMweb plugin), e.g. /usr/share/orthanc/plugins.</summary>
    public string? OrthancPluginDirectory { get; set; }
}
