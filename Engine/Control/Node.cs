using Npgsql;

namespace Ferry.Engine.Control;

/// <summary>One PostgreSQL database Ferry knows: how to reach it, and what the last health probe saw.</summary>
public sealed class Node : ITimestamped
{
    public int Id { get; set; }

    /// <summary>Unique name, used in the portal and in queue/consumer names.</summary>
    public required string Name { get; set; }

    public required string Host { get; set; }

    public int Port { get; set; } = 5432;

    public required string Database { get; set; }

    public required string UserName { get; set; }

    /// <summary>
    /// The password encrypted with ASP.NET Core Data Protection (<see cref="NodePasswordProtector"/>); never clear text.
    /// Null when the node needs no password (trust or peer authentication, a .pgpass file).
    /// </summary>
    public string? ProtectedPassword { get; set; }

    public SslMode SslMode { get; set; } = SslMode.Prefer;

    /// <summary>
    /// The schemas into which table rules may write when this node is their target, set by an Admin; null when not
    /// restricted (any schema but Ferry's and PostgreSQL's). See <see cref="Rules.TargetSchemas"/>.
    /// </summary>
    public List<string>? TargetSchemas { get; set; }

    /// <summary>The <c>server_version</c> the last successful probe read.</summary>
    public string? ServerVersion { get; set; }

    /// <summary>When the last probe ran (successful or not).</summary>
    public DateTimeOffset? LastProbedAt { get; set; }

    /// <summary>Why the last probe failed; null when it succeeded.</summary>
    public string? LastProbeError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
