using System.Net;
using System.Net.Sockets;

namespace Imaging.LocalServers;

/// <summary>
/// A server run from the machine's own binaries (a Debian package) as an Aspire executable resource: it listens on
/// 127.0.0.1 only, on a port it binds itself (no DCP proxy in front of every query), keeps its data in {data}/{name}
/// across runs, and exposes a connection string in the format of Aspire's container resource for the same server.
/// </summary>
public abstract class LocalServerResource(string name, string command, string dataDirectory, ParameterResource password)
    : ExecutableResource(name, command, dataDirectory), IResourceWithConnectionString
{
    /// <summary>{data}/{name}: the server's data and its generated configuration files.</summary>
    public string DataDirectory { get; } = dataDirectory;

    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>"tcp", or "http" for a server spoken to over HTTP.</summary>
    public virtual string PrimaryEndpointName => "tcp";

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    public EndpointReferenceExpression Host => PrimaryEndpoint.Property(EndpointProperty.Host);

    public EndpointReferenceExpression Port => PrimaryEndpoint.Property(EndpointProperty.Port);

    public abstract ReferenceExpression ConnectionStringExpression { get; }

    /// <summary>The port the server listens on, fixed when the model is built, so its clients keep it across restarts.</summary>
    public int ListenPort { get; internal set; }

    /// <summary>The connection string once Aspire has resolved it, for the health checks.</summary>
    internal string? ConnectionString { get; set; }

    internal string RequireConnectionString() =>
        ConnectionString ?? throw new InvalidOperationException($"The connection string of '{Name}' is not resolved yet.");

    internal static bool IsRoot => GetEffectiveUserId() == 0;

    /// <summary>Throws before anything has started, naming the Debian package that installs <paramref name="path"/>.</summary>
    internal static string RequireFile(string path, string what, string package)
    {
        if (!File.Exists(path))
        {
            throw new DistributedApplicationException(
                $"{what} is not installed: {path} does not exist. Install it with: sudo apt-get install -y {package}");
        }

        return path;
    }

    /// <summary>Writes a file only its owner may read: the configuration files hold the password.</summary>
    internal static async Task WritePrivateFileAsync(string path, string content, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(path, content, cancellationToken);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>
    /// A free loopback port for a server that binds its own, taken below Linux's ephemeral range (32768 and up) where it
    /// can: the port stays free only until the server binds it, and every outgoing connection takes an ephemeral port.
    /// </summary>
    internal static int FreePort()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = Random.Shared.Next(20000, 32000);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Throws before anything has started when a fixed port is taken, naming the port and the server.</summary>
    internal static int RequireFreePort(int port, string name)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return port;
        }
        catch (SocketException taken) when (taken.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw new DistributedApplicationException(
                $"Port {port} on 127.0.0.1, asked for '{name}', is taken by another process. Stop that process (ss -ltnp 'sport = :{port}' names it), "
                + "or give '{name}' another port, or none to let it take a free one.");
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();
}

internal static class LocalServerBuilderExtensions
{
    /// <summary>
    /// Adds <paramref name="server"/> on a loopback port that it binds itself (proxy-less): <paramref name="port"/>, or a
    /// free one; healthy when the check registered under <paramref name="healthCheckKey"/> passes.
    /// </summary>
    public static IResourceBuilder<T> AddLocalServer<T>(this IDistributedApplicationBuilder builder, T server, string healthCheckKey, int? port)
        where T : LocalServerResource
    {
        server.ListenPort = port is { } fixedPort ? LocalServerResource.RequireFreePort(fixedPort, server.Name) : LocalServerResource.FreePort();
        Directory.CreateDirectory(server.DataDirectory);
        return builder.AddResource(server)
            .WithEndpoint(port: server.ListenPort, targetPort: server.ListenPort, scheme: server.PrimaryEndpointName, name: server.PrimaryEndpointName, isProxied: false)
            .WithEndpoint(server.PrimaryEndpointName, endpoint => endpoint.TargetHost = "127.0.0.1")
            .OnConnectionStringAvailable(async (resource, _, cancellationToken) =>
                resource.ConnectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken))
            .WithHealthCheck(healthCheckKey);
    }
}
