using Ferry.Engine.Control;
using Npgsql;

namespace Ferry.Engine.Replication.Internal;

/// <summary>Opens data sources to nodes; the caller disposes them. Connection strings never leave this class.</summary>
internal sealed class NodeDataSources(NodeConnections connections)
{
    public NpgsqlDataSource Open(Node node, string applicationName) =>
        NpgsqlDataSource.Create(connections.ConnectionString(node, applicationName));
}
