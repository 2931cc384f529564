namespace Ferry.Engine.LocalServer;

/// <summary>How to make or open a local PostgreSQL cluster.</summary>
public sealed record LocalClusterOptions
{
    /// <summary>The data folder. Created when missing; reused when it already holds a cluster of the same major.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The server programs; <see cref="PostgresBinaries.Default"/> when null.</summary>
    public PostgresInstallation? Installation { get; init; }

    /// <summary>TCP port on 127.0.0.1; a free one is chosen when null (and kept for a reused cluster).</summary>
    public int? Port { get; init; }

    /// <summary>Password of the superuser <c>postgres</c>. Null means trust authentication on loopback (tests only).</summary>
    public string? SuperuserPassword { get; init; }

    /// <summary>Removed (stopped and deleted) when disposed. Test clusters are; the portal's embedded cluster is not.</summary>
    public bool Temporary { get; init; }

    /// <summary>Favour speed over durability (fsync off): for tests and benchmarks, never for data you keep.</summary>
    public bool Unsafe { get; init; }

    /// <summary>Extra server settings written to the cluster's configuration (name → value, values as in postgresql.conf).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}
