using System.Globalization;
using System.Text;

namespace Ferry.Engine.LocalServer.Internal;

/// <summary>
/// <c>ferry.conf</c> in a cluster's data folder: the settings Ferry chooses (address, port, no Unix sockets, the speed
/// settings of <see cref="LocalClusterOptions.Unsafe"/>, the caller's extra settings), included from postgresql.conf.
/// </summary>
internal static class FerryConf
{
    public const string FileName = "ferry.conf";

    /// <summary>The line initdb's postgresql.conf gets once, so the server reads <see cref="FileName"/>.</summary>
    public static string IncludeLine => $"\ninclude_if_exists = '{FileName}'\n";

    public static async Task WriteAsync(string dataDirectory, int port, LocalClusterOptions options, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["listen_addresses"] = "'127.0.0.1'",
            ["port"] = port.ToString(CultureInfo.InvariantCulture),
            ["unix_socket_directories"] = "''",
            ["max_connections"] = "200",
            ["logging_collector"] = "off",
        };
        if (options.Unsafe)
        {
            settings["fsync"] = "off";
            settings["synchronous_commit"] = "off";
            settings["full_page_writes"] = "off";
        }
        foreach (var (name, value) in options.Settings)
        {
            settings[name] = value;
        }
        var text = new StringBuilder("# Written by Ferry; edit the portal's settings rather than this file.\n");
        foreach (var (name, value) in settings)
        {
            text.Append(name).Append(" = ").Append(value).Append('\n');
        }
        var path = Path.Combine(dataDirectory, FileName);
        await File.WriteAllTextAsync(path, text.ToString(), cancellationToken).ConfigureAwait(false);
        await ServerUser.GiveAsync(path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The port a cluster was last given, or null when its data folder has no <see cref="FileName"/>.</summary>
    public static int? ReadPort(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts is ["port", var value] && int.TryParse(value, CultureInfo.InvariantCulture, out var port))
            {
                return port;
            }
        }
        return null;
    }
}
