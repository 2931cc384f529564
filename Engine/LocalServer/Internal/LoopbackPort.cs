using System.Net;
using System.Net.Sockets;

namespace Ferry.Engine.LocalServer.Internal;

/// <summary>TCP ports on 127.0.0.1, where every local cluster listens.</summary>
internal static class LoopbackPort
{
    /// <summary>A port nobody listens on now (the operating system's choice).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

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
