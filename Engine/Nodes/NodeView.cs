using System.Text.Json.Serialization;
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
    IReadOnlyList<string>? TargetSchemas = null)
{
    /// <summary>
    /// What the connection test right after a create or an update found (a node is saved even when it cannot be reached:
    /// this says so); null, and left out of the JSON, everywhere else.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NodeCheck? Probe { get; init; }
}
