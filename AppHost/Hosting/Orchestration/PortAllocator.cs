using System.Net;
using System.Net.Sockets;

namespace AppHost.Hosting.Orchestration;

/// <summary>Hands out free loopback ports, never the same one twice in a run, and checks fixed ones.</summary>
public sealed class PortAllocator
{
    private readonly HashSet<int> _given = [];
    private readonly Lock _gate = new();

    public int Allocate()
    {
        lock (_gate)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (_given.Add(port))
                {
                    return port;
                }
            }
        }
    }

    /// <summary>Reserves a fixed port after checking nothing listens on it.</summary>
    public int Claim(int port, string owner, string configurationKey)
    {
        lock (_gate)
        {
            if (!IsFree(port))
            {
                throw new DistributedApplicationException(
                    $"Port {port} for {owner} is already in use by another process. Stop that process (find it with: ss -ltnp 'sport = :{port}'), "
                    + $"or set {configurationKey} to another port, or to 0 for a free one.");
            }

            _given.Add(port);
            return port;
        }
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
