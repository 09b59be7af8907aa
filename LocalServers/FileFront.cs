using System.Globalization;

namespace Imaging.LocalServers;

/// <summary>The front's container, for publishing: nginx's official image with the configuration of <see cref="FileFrontConfig"/>.</summary>
public sealed class FileFrontContainerResource(string name) : ContainerResource(name)
{
    /// <summary>Where nginx listens in the container (not 80: nothing here needs a privileged port).</summary>
    public const int Port = 8080;

    /// <summary>The variable the configuration travels in; the entrypoint writes it to nginx.conf before nginx starts.</summary>
    public const string ConfigVariable = "FILE_FRONT_CONFIG";
}

public static class FileFrontExtensions
{
    /// <summary>
    /// nginx from the Debian package in front of <paramref name="upstream"/> (ResultsApi), on a loopback port it binds
    /// itself, reading <paramref name="storageRoot"/>; its configuration is written to {data}/{name} before each start.
    /// Healthy when nginx answers its own health location.
    /// </summary>
    public static IResourceBuilder<ExecutableResource> AddLocalFileFront(this IDistributedApplicationBuilder builder, string name,
        LocalServerOptions options, IResourceBuilder<IResourceWithEndpoints> upstream, string storageRoot, int? port = null)
    {
        // The port ResultsApi itself listens on, fixed now: nginx goes to it straight, not through DCP's proxy in front of
        // it (one hop less on every request), and DCP resolves that port only in a resource's arguments and environment.
        var http = upstream.Resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http");
        var upstreamPort = http.TargetPort ??= LocalServerResource.FreePort();
        var command = LocalServerResource.RequireFile(options.Binaries.Nginx, "nginx", "nginx");
        var directory = Path.Combine(options.DataDirectory, name);
        Directory.CreateDirectory(directory);
        var listenPort = port is { } fixedPort ? LocalServerResource.RequireFreePort(fixedPort, name) : LocalServerResource.FreePort();
        var configFile = Path.Combine(directory, "nginx.conf");
        return builder.AddExecutable(name, command, directory, "-p", directory, "-c", configFile, "-e", "stderr")
            .WithEndpoint(port: listenPort, targetPort: listenPort, scheme: "http", name: "http", isProxied: false)
            .WithEndpoint("http", endpoint => endpoint.TargetHost = "127.0.0.1")
            .WithIconName("ArrowRouting")
            .WithHttpHealthCheck(FileFrontConfig.HealthPath)
            .OnBeforeResourceStarted(async (_, _, cancellationToken) =>
            {
                var configuration = new FileFrontConfig
                {
                    Listen = $"127.0.0.1:{listenPort.ToString(CultureInfo.InvariantCulture)}",
                    Upstream = $"127.0.0.1:{upstreamPort.ToString(CultureInfo.InvariantCulture)}",
                    StorageRoot = Path.GetFullPath(storageRoot),
                    WorkDirectory = directory,
                    // Started as root, nginx would run its workers as nobody, who may not read the files ResultsApi (root here) wrote.
                    User = LocalServerResource.IsRoot ? "root" : null,
                };
                foreach (var kind in new[] { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
                {
                    Directory.CreateDirectory(Path.Combine(directory, kind));
                }

                await File.WriteAllTextAsync(configFile, configuration.Render(), cancellationToken);
            });
    }

    /// <summary>
    /// The front as a container, for publishing: reaches <paramref name="upstream"/> by its published name and mounts
    /// ResultsApi's storage volume read-only at the same place ResultsApi has it.
    /// </summary>
    public static IResourceBuilder<FileFrontContainerResource> AddFileFrontContainer(this IDistributedApplicationBuilder builder, string name,
        EndpointReference upstream, string storageVolume, string storageTarget)
    {
        // The configuration with ResultsApi's address left as an expression, which each platform fills in.
        const string Marker = "\u0001upstream\u0001";
        var text = new FileFrontConfig
        {
            Listen = FileFrontContainerResource.Port.ToString(CultureInfo.InvariantCulture),
            Upstream = Marker,
            StorageRoot = storageTarget,
            User = "nginx",
        }.Render();
        var at = text.IndexOf(Marker, StringComparison.Ordinal);
        // An expression's text is a format string: nginx's braces are doubled to stay braces.
        static string Literal(string part) => part.Replace("{", "{{", StringComparison.Ordinal).Replace("}", "}}", StringComparison.Ordinal);
        var configuration = new ReferenceExpressionBuilder();
        configuration.AppendLiteral(Literal(text[..at]));
        configuration.AppendValueProvider(upstream.Property(EndpointProperty.HostAndPort));
        configuration.AppendLiteral(Literal(text[(at + Marker.Length)..]));

        return builder.AddResource(new FileFrontContainerResource(name))
            .WithImage("nginx", "1.27")
            .WithImageRegistry("docker.io")
            .WithHttpEndpoint(targetPort: FileFrontContainerResource.Port, name: "http")
            .WithEnvironment(FileFrontContainerResource.ConfigVariable, configuration.Build())
            .WithEntrypoint("/bin/sh")
            .WithArgs("-c", $"printf '%s\\n' \"${FileFrontContainerResource.ConfigVariable}\" > /etc/nginx/nginx.conf && exec nginx")
            .WithVolume(storageVolume, storageTarget, isReadOnly: true);
    }
}
