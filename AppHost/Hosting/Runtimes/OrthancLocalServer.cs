using System.Text.Json;
using AppHost.Hosting.Orchestration;

namespace AppHost.Hosting.Runtimes;

/// <summary>Orthanc from the Debian package (orthanc, orthanc-dicomweb), in the foreground, with its storage and configuration in {data}/{resource}.</summary>
internal sealed class OrthancLocalServer(OrthancResource resource, LocalServerContext context) : LocalServer(resource, context)
{
    private string _orthanc = "";

    private string ConfigFile => Path.Combine(ServerDirectory, "orthanc.json");

    public override Task PrepareAsync(CancellationToken cancellationToken)
    {
        _orthanc = RequireFile(Context.Options.Binaries.Orthanc ?? "/usr/sbin/Orthanc", "Orthanc", "orthanc");
        var plugins = Context.Options.Binaries.OrthancPluginDirectory ?? "/usr/share/orthanc/plugins";
        RequireFile(Path.Combine(plugins, "libOrthancDicomWeb.so"), "Orthanc's DICOMweb plugin", "orthanc-dicomweb");
        var storage = Path.Combine(ServerDirectory, "storage");
        Directory.CreateDirectory(storage);
        var orthanc = (OrthancResource)Resource;
        var configuration = new Dictionary<string, object>
        {
            ["Name"] = Resource.Name,
            ["StorageDirectory"] = storage,
            ["IndexDirectory"] = storage,
            ["HttpPort"] = orthanc.Port,
            ["DicomPort"] = orthanc.DicomPort,
            // Loopback only, and still a password: the same posture as the other servers.
            ["RemoteAccessAllowed"] = false,
            ["AuthenticationEnabled"] = true,
            ["RegisteredUsers"] = new Dictionary<string, string> { [OrthancResource.UserName] = Resource.Password },
            ["Plugins"] = new[] { Path.Combine(plugins, "libOrthancDicomWeb.so") },
            ["DicomWeb"] = new Dictionary<string, object> { ["Enable"] = true, ["Root"] = "/dicom-web/" },
        };
        WriteFile(ConfigFile, JsonSerializer.Serialize(configuration), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return Task.CompletedTask;
    }

    public override IReadOnlyList<ProcessSpec> CreateProcesses() =>
        [new ProcessSpec($"{Resource.Name} (Orthanc)", _orthanc, [$"--logdir={ServerDirectory}", ConfigFile], ServerDirectory, new Dictionary<string, string>())];
}
