using Npgsql;

namespace Ferry.Engine.Nodes;

/// <summary>
/// A node as the portal and the API show it: never the password, only whether one is stored. <c>TargetSchemas</c>: where
/// table rules may write on it, null when not restricted.
/// </summary>
public sealed record NodeView(
    int Id,
    string Name,
    string Host,
    int Port,
    string Database,
    string UserName,
    bool HasPassword,
    SslMode SslMode,
    string? ServerVersion,
    DateTimeOffset? LastProbedAt,
    string? LastProbeError,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<string>? TargetSchemas = null);
