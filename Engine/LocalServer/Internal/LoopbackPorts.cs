using System.Net;
using System.Net.Sockets;

namespace Ferry.Engine.LocalServer.Internal;

/// <summary>Ports on 127.0.0.1 for local clusters.</summary>
internal static class LoopbackPorts
{
    /// <summary>A port free on 127.0.0.1 now (the system picks it).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Whether nothing listens on the port on 127.0.0.1 now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
