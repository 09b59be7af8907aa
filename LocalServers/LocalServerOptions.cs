namespace Imaging.LocalServers;

/// <summary>Where local servers keep their data and find their binaries (AppHost:DataDirectory, AppHost:Binaries).</summary>
public sealed class LocalServerOptions
{
    /// <summary>{data}: one folder per server. Default AppHost/.data (git-ignored).</summary>
    public required string DataDirectory { get; init; }

    public ServerBinaries Binaries { get; init; } = new();
}

/// <summary>Where the server binaries are; unset means the Debian packages' own paths.</summary>
public sealed class ServerBinaries
{
    /// <summary>Folder with postgres and initdb, e.g. /usr/lib/postgresql/15/bin (default: the newest installed).</summary>
    public string? PostgresBinDirectory { get; set; }

    public string RedisServer { get; set; } = "/usr/bin/redis-server";

    /// <summary>Folder with rabbitmq-server.</summary>
    public string RabbitMQBinDirectory { get; set; } = "/usr/lib/rabbitmq/bin";

    public string Epmd { get; set; } = "/usr/bin/epmd";

    public string Orthanc { get; set; } = "/usr/sbin/Orthanc";

    /// <summary>Folder with Orthanc's plugins (libOrthancDicomWeb.so).</summary>
    public string OrthancPluginDirectory { get; set; } = "/usr/share/orthanc/plugins";

    /// <summary>nginx, for ResultsApi's file front (AppHost:FileFront).</summary>
    public string Nginx { get; set; } = "/usr/sbin/nginx";
}
