using System.Text.RegularExpressions;
using Ferry.Engine.LocalServer.Internal;

namespace Ferry.Engine.LocalServer;

/// <summary>
/// Finds PostgreSQL server programs on this machine: Debian's <c>/usr/lib/postgresql/&lt;major&gt;/bin</c>, the folder that
/// <c>scripts/install-pg-majors.sh</c> fills (<c>.pgbins/</c> in the checkout, or <c>FERRY_PGBINS</c>), and any folder
/// listed in <c>FERRY_PG_BIN_DIRS</c> (colon separated).
/// </summary>
public static partial class PostgresBinaries
{
    private static readonly Lock Gate = new();
    private static IReadOnlyList<PostgresInstallation>? _cached;

    /// <summary>Every installation found, one per major (the first found wins), ordered by major.</summary>
    public static IReadOnlyList<PostgresInstallation> Discover()
    {
        lock (Gate)
        {
            return _cached ??= Scan(CandidateBinDirectories());
        }
    }

    /// <summary>The installation of one major, or an error that says how to install it.</summary>
    public static PostgresInstallation Require(int major) =>
        Discover().FirstOrDefault(i => i.Major == major)
        ?? throw new LocalServerException(
            $"PostgreSQL {major} server programs were not found (looked in {string.Join(", ", SearchedPlaces())}). " +
            (major == 15
                ? "Install them with 'apt-get install postgresql-15'."
                : "Install them with 'scripts/install-pg-majors.sh'."));

    /// <summary>The installation to use when the caller has no preference: Debian's 15 if present, else the newest.</summary>
    public static PostgresInstallation Default()
    {
        var all = Discover();
        if (all.Count == 0)
        {
            throw new LocalServerException(
                $"No PostgreSQL server programs were found (looked in {string.Join(", ", SearchedPlaces())}). " +
                "Install them with 'apt-get install postgresql-15' or 'scripts/install-pg-majors.sh'.");
        }
        return all.FirstOrDefault(i => i.Major == 15) ?? all[^1];
    }

    /// <summary>Reads the version of the programs in one folder; null when the folder holds no server.</summary>
    public static PostgresInstallation? Probe(string binDirectory)
    {
        var postgres = Path.Combine(binDirectory, "postgres");
        if (!File.Exists(postgres) || !File.Exists(Path.Combine(binDirectory, "initdb"))
            || !File.Exists(Path.Combine(binDirectory, "pg_ctl")))
        {
            return null;
        }
        try
        {
            var output = ProcessRunner.RunCheckedAsync(postgres, ["--version"], null, CancellationToken.None)
                .GetAwaiter().GetResult();
            var match = VersionPattern().Match(output);
            if (!match.Success)
            {
                return null;
            }
            return new PostgresInstallation(int.Parse(match.Groups[1].Value), match.Value, Path.GetFullPath(binDirectory));
        }
        catch (Exception e) when (e is LocalServerException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static List<PostgresInstallation> Scan(IEnumerable<string> binDirectories)
    {
        var found = new List<PostgresInstallation>();
        foreach (var dir in binDirectories.Distinct())
        {
            if (Probe(dir) is { } installation && found.All(f => f.Major != installation.Major))
            {
                found.Add(installation);
            }
        }
        return [.. found.OrderBy(i => i.Major)];
    }

    private static IEnumerable<string> SearchedPlaces()
    {
        yield return "/usr/lib/postgresql/*/bin";
        foreach (var root in NpmRoots())
        {
            yield return Path.Combine(root, "node_modules/*/native/bin");
        }
        if (Environment.GetEnvironmentVariable("FERRY_PG_BIN_DIRS") is { Length: > 0 } dirs)
        {
            yield return dirs;
        }
    }

    private static IEnumerable<string> CandidateBinDirectories()
    {
        if (Environment.GetEnvironmentVariable("FERRY_PG_BIN_DIRS") is { Length: > 0 } dirs)
        {
            foreach (var dir in dirs.Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                yield return dir;
            }
        }
        if (Directory.Exists("/usr/lib/postgresql"))
        {
            foreach (var major in Directory.GetDirectories("/usr/lib/postgresql").Order(StringComparer.Ordinal))
            {
                yield return Path.Combine(major, "bin");
            }
        }
        foreach (var root in NpmRoots())
        {
            var modules = Path.Combine(root, "node_modules");
            if (!Directory.Exists(modules))
            {
                continue;
            }
            foreach (var package in Directory.GetDirectories(modules).Order(StringComparer.Ordinal))
            {
                yield return Path.Combine(package, "native", "bin");
            }
        }
    }

    private static IEnumerable<string> NpmRoots()
    {
        if (Environment.GetEnvironmentVariable("FERRY_PGBINS") is { Length: > 0 } explicitRoot)
        {
            yield return explicitRoot;
        }
        if (CheckoutRoot.Find() is { } checkout)
        {
            yield return Path.Combine(checkout, ".pgbins");
        }
    }

    [GeneratedRegex(@"(\d+)(?:\.(\d+))?")]
    private static partial Regex VersionPattern();
}
