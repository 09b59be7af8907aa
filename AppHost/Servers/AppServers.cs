using System.Diagnostics;
using Imaging.LocalServers;
using Microsoft.Extensions.Configuration;

namespace AppHost.Servers;

/// <summary>How the servers run (AppHost:Servers).</summary>
public enum ServerRuntime
{
    /// <summary>Containers where a Docker or Podman engine answers, executable resources otherwise.</summary>
    Auto,
    Containers,
    Processes,
}

/// <summary>PostgreSQL with its databases; the server and the databases' builders whichever form it takes.</summary>
public sealed class PostgresServer(IResourceBuilder<IResourceWithConnectionString> server, Func<string, IResourceBuilder<IResourceWithConnectionString>> addDatabase)
{
    public IResourceBuilder<IResourceWithConnectionString> Server { get; } = server;

    public IResourceBuilder<IResourceWithConnectionString> AddDatabase(string name) => addDatabase(name);
}

/// <summary>
/// Adds PostgreSQL, Redis, RabbitMQ and Orthanc in the form this machine runs: Aspire's own container resources
/// (AddPostgres, AddRedis, AddRabbitMQ) when publishing and where a container engine answers, and otherwise executable
/// resources running the Debian packages' binaries (see docs/decisions/0016-real-aspire-app-host.md). Both forms have the same
/// names, parameters and connection-string formats, so the services cannot tell them apart. A server named in the
/// configuration's ConnectionStrings is used as it is, as Aspire's AddConnectionString.
/// </summary>
public sealed class AppServers
{
    private readonly IDistributedApplicationBuilder _builder;
    private readonly LocalServerOptions _local;

    private AppServers(IDistributedApplicationBuilder builder, bool asContainers, string reason, LocalServerOptions local)
    {
        _builder = builder;
        AsContainers = asContainers;
        Reason = reason;
        _local = local;
    }

    public bool AsContainers { get; }

    /// <summary>Why this form was chosen, for the app host's log.</summary>
    public string Reason { get; }

    /// <summary>{data}: AppHost:DataDirectory, by default AppHost/.data.</summary>
    public string DataDirectory => _local.DataDirectory;

    public static AppServers For(IDistributedApplicationBuilder builder)
    {
        var dataDirectory = Path.GetFullPath(builder.Configuration["AppHost:DataDirectory"] is { Length: > 0 } configured
            ? configured
            : Path.Combine(builder.AppHostDirectory, ".data"));
        var local = new LocalServerOptions
        {
            DataDirectory = dataDirectory,
            Binaries = builder.Configuration.GetSection("AppHost:Binaries").Get<ServerBinaries>() ?? new(),
        };
        var asked = builder.Configuration["AppHost:Servers"];
        if (!Enum.TryParse<ServerRuntime>(asked ?? nameof(ServerRuntime.Auto), ignoreCase: true, out var runtime) || int.TryParse(asked, out _))
        {
            throw new DistributedApplicationException($"Unknown AppHost:Servers '{asked}': use Auto, Containers or Processes.");
        }

        if (builder.ExecutionContext.IsPublishMode)
        {
            return new(builder, true, "publishing: a container platform runs the servers from their images", local);
        }

        if (runtime == ServerRuntime.Processes)
        {
            return new(builder, false, "AppHost:Servers is Processes", local);
        }

        var (engine, problem) = FindContainerEngine();
        if (engine is not null)
        {
            if (engine == "podman")
            {
                builder.Configuration["DcpPublisher:ContainerRuntime"] = "podman";
            }

            return new(builder, true, $"the {engine} engine answers", local);
        }

        if (runtime == ServerRuntime.Containers)
        {
            throw new DistributedApplicationException(
                $"AppHost:Servers is Containers, but no container engine answers ({problem}). Start Docker or Podman, "
                + "or run the servers from the Debian packages with --AppHost:Servers=Processes.");
        }

        return new(builder, false, $"no container engine answers ({problem})", local);
    }

    public PostgresServer AddPostgres(string name)
    {
        if (Existing(name) is { } existing)
        {
            // An existing server: each database is a connection string of its own, or the server's with Database=.
            return new(existing, database => Existing(database)
                ?? _builder.AddConnectionString(database, ReferenceExpression.Create($"{existing.Resource};Database={database}")));
        }

        if (AsContainers)
        {
            var postgres = _builder.AddPostgres(name).WithDataVolume();
            return new(postgres, database => postgres.AddDatabase(database));
        }

        var local = _builder.AddLocalPostgres(name, _local);
        return new(local, database => local.AddDatabase(database));
    }

    public IResourceBuilder<IResourceWithConnectionString> AddRedis(string name) =>
        Existing(name) ?? (AsContainers ? _builder.AddRedis(name).WithDataVolume() : _builder.AddLocalRedis(name, _local));

    public IResourceBuilder<IResourceWithConnectionString> AddRabbitMQ(string name) =>
        Existing(name) ?? (AsContainers ? _builder.AddRabbitMQ(name).WithDataVolume() : _builder.AddLocalRabbitMQ(name, _local));

    public IResourceBuilder<IResourceWithConnectionString> AddOrthanc(string name) =>
        Existing(name) ?? (AsContainers ? _builder.AddOrthancContainer(name) : _builder.AddLocalOrthanc(name, _local));

    /// <summary>
    /// nginx in front of ResultsApi, sending the bytes of the files ResultsApi authorises (docs/decisions/0020): Debian's
    /// nginx on the folder {data}/{storageFolder} when run here (also where a container engine answers: nginx then
    /// reads the folder ResultsApi writes), nginx's image on ResultsApi's storage volume, read-only, when published.
    /// </summary>
    public IResourceBuilder<IResourceWithEndpoints> AddFileFront(string name, IResourceBuilder<ProjectResource> resultsApi, string storageFolder, string storageTarget)
    {
        return _builder.ExecutionContext.IsPublishMode
            ? _builder.AddFileFrontContainer(name, resultsApi.GetEndpoint("http"), $"{resultsApi.Resource.Name}-{storageFolder}", storageTarget)
                .WaitFor(resultsApi).WithExternalHttpEndpoints()
            : _builder.AddLocalFileFront(name, _local, resultsApi, Path.Combine(DataDirectory, storageFolder)).WaitFor(resultsApi).WithExternalHttpEndpoints();
    }

    /// <summary>ConnectionStrings:{name} in the app host's configuration: a server that already runs, used instead of starting one.</summary>
    private IResourceBuilder<IResourceWithConnectionString>? Existing(string name) =>
        _builder.Configuration[$"ConnectionStrings:{name}"] is { Length: > 0 } ? _builder.AddConnectionString(name) : null;

    /// <summary>The first of docker and podman whose engine answers `info`; else why none does.</summary>
    private static (string? Engine, string Problem) FindContainerEngine()
    {
        List<string> problems = [];
        foreach (var engine in new[] { "docker", "podman" })
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(engine, ["info", "--format", "{{.ServerVersion}}"])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                })!;
                var error = process.StandardError.ReadToEndAsync();
                if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    process.Kill(entireProcessTree: true);
                    problems.Add($"{engine}: no answer in 10 s");
                    continue;
                }

                if (process.ExitCode == 0)
                {
                    return (engine, "");
                }

                problems.Add($"{engine}: {error.Result.Trim().Split('\n')[0]}");
            }
            catch (System.ComponentModel.Win32Exception)
            {
                problems.Add($"{engine}: not installed");
            }
        }

        return (null, string.Join("; ", problems));
    }
}
