using System.Net;
using System.Net.Sockets;

namespace Ferry.Portal.Security;

/// <summary>
/// The client address that sign-in limits and lockouts are keyed by: an IPv4 address as it is, an IPv6 address by its
/// /64 network (one subscriber gets a whole /64, so single IPv6 addresses would cost an attacker nothing).
/// </summary>
/// <remarks>
/// Behind a reverse proxy every request comes from the proxy: enable the forwarded headers
/// (<c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c>, only when the portal is reachable through the proxy alone) so this is
/// the real client.
/// </remarks>
public static class ClientAddress
{
    public static string Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
