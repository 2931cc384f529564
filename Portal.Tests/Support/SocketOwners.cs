using System.Globalization;

namespace Ferry.Portal.Tests.Support;

/// <summary>
/// Which of some processes owns the TCP connection with a given local port (Linux, from <c>/proc</c>): tells which portal
/// process a PostgreSQL session belongs to, by its <c>client_port</c> in <c>pg_stat_activity</c>.
/// </summary>
public static class SocketOwners
{
    /// <summary>Local port of each TCP socket that one of <paramref name="processIds"/> holds open, and that process's id.</summary>
    public static Dictionary<int, int> ByLocalPort(IEnumerable<int> processIds)
    {
        var owners = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in processIds)
        {
            try
            {
                foreach (var descriptor in Directory.EnumerateFileSystemEntries($"/proc/{id}/fd"))
                {
                    if (new FileInfo(descriptor).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                    {
                        owners[target[8..^1]] = id;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process is ending: it owns nothing any more.
            }
        }
        var ports = new Dictionary<int, int>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && owners.TryGetValue(fields[9], out var owner))
                {
                    var local = fields[1][(fields[1].LastIndexOf(':') + 1)..];
                    ports[int.Parse(local, NumberStyles.HexNumber, CultureInfo.InvariantCulture)] = owner;
                }
            }
        }
        return ports;
    }
}
