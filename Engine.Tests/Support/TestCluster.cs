using Ferry.Engine.LocalServer;

namespace Ferry.Engine.Tests.Support;

/// <summary>Throwaway clusters for tests: fast settings, a data folder under /tmp, removed on dispose.</summary>
public static class TestCluster
{
    /// <summary>The majors the tests cover: Debian's 15 plus the older and newer ones of scripts/install-pg-majors.sh.</summary>
    public static readonly int[] Majors = [13, 15, 18];

    public static Task<LocalCluster> StartAsync(int major, CancellationToken cancellationToken = default) =>
        StartAsync(PostgresBinaries.Require(major), cancellationToken);

    public static Task<LocalCluster> StartAsync(PostgresInstallation installation, CancellationToken cancellationToken = default) =>
        LocalCluster.StartAsync(
            new LocalClusterOptions
            {
                DataDirectory = Path.Combine(Path.GetTempPath(), $"ferry-test-{installation.Major}-{Guid.NewGuid():N}"),
                Installation = installation,
                Temporary = true,
                Unsafe = true,
                Settings = new Dictionary<string, string> { ["wal_level"] = "logical" },
            },
            cancellationToken);
}
