using Npgsql;

namespace Ferry.Engine.Control;

/// <summary>Builds connection strings for nodes. The result holds a clear-text password: never log it, never show it.</summary>
public sealed class NodeConnections(NodePasswordProtector passwords)
{
    public string ConnectionString(Node node, string applicationName = "ferry") => new NpgsqlConnectionStringBuilder
    {
        Host = node.Host,
        Port = node.Port,
        Database = node.Database,
        Username = node.UserName,
        Password = passwords.Unprotect(node.ProtectedPassword),
        SslMode = node.SslMode,
        ApplicationName = applicationName,
        Timeout = 10,
    }.ConnectionString;
}
