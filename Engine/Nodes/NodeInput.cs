using Npgsql;

namespace Ferry.Engine.Nodes;

/// <summary>
/// What a user enters for a node. <see cref="Password"/> is clear text on its way in only: on an update, null or empty
/// keeps the stored password. <see cref="TargetSchemas"/>: the schemas table rules may write into on this node; empty
/// allows any (but Ferry's and PostgreSQL's), null on an update keeps the stored list.
/// </summary>
public sealed record NodeInput(
    string Name, string Host, int Port, string Database, string UserName, string? Password, SslMode SslMode = SslMode.Prefer,
    IReadOnlyList<string>? TargetSchemas = null);
