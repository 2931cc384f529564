using System.Net.Sockets;
using Ferry.Engine.Control;
using Ferry.Engine.Queue;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Engine.Nodes;

/// <summary>
/// Connects to a node once: reads the server version and Ferry's schema version there, or installs the schema. A node
/// that cannot be reached is an answer (<see cref="NodeCheck.Connected"/> false, with a reason a DBA can act on), not an
/// exception.
/// </summary>
internal sealed class NodeProbe(NodeDataSources nodes, ILogger logger)
{
    /// <summary>How long a probe waits for a node to answer.</summary>
    public const int ConnectTimeoutSeconds = 5;

    public async Task<NodeCheck> CheckAsync(Node node, bool install, CancellationToken cancellationToken)
    {
        var latest = QueueSchema.LatestVersion;
        try
        {
            await using var dataSource = nodes.CreateForCheck(node, "ferry-check", ConnectTimeoutSeconds);
            string serverVersion;
            await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            {
                serverVersion = connection.PostgreSqlVersion + " (" + connection.ServerVersion + ")";
            }
            if (install)
            {
                var installed = await QueueSchema.InstallAsync(dataSource, cancellationToken).ConfigureAwait(false);
                return new NodeCheck(true, serverVersion, installed, latest, $"Ferry's schema is at version {installed}.");
            }
            var version = await QueueSchema.GetInstalledVersionAsync(dataSource, cancellationToken).ConfigureAwait(false);
            return new NodeCheck(true, serverVersion, version, latest, SchemaMessage(version, latest));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Security.Cryptography.CryptographicException)
        {
            var message = Explain(node, e);
            NodeLog.CheckFailed(logger, node.Name, message);
            return new NodeCheck(false, null, 0, latest, message);
        }
        catch (QueueSchemaException e)
        {
            throw new RequestRefusedException(e.Message, isConflict: true);
        }
    }

    private static string SchemaMessage(int installed, int latest) => installed switch
    {
        0 => $"Connected. Ferry's schema is not installed yet (this engine installs version {latest}).",
        _ when installed < latest => $"Connected. Ferry's schema is at version {installed}; upgrade to {latest}.",
        _ when installed > latest => $"Connected. Ferry's schema is at version {installed}, newer than this engine's {latest}: upgrade Ferry.",
        _ => $"Connected. Ferry's schema is installed and up to date (version {installed}).",
    };

    /// <summary>A message a DBA can act on. Npgsql's own messages name host and port but never the password.</summary>
    private static string Explain(Node node, Exception e)
    {
        var where = $"{node.Host}:{node.Port}";
        return e switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword } =>
                $"PostgreSQL at {where} refused the password for user '{node.UserName}'.",
            PostgresException { SqlState: PostgresErrorCodes.InvalidAuthorizationSpecification } p =>
                $"PostgreSQL at {where} refused user '{node.UserName}': {p.MessageText}",
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } =>
                $"PostgreSQL at {where} has no database '{node.Database}'.",
            PostgresException p => $"PostgreSQL at {where} refused the connection: {p.MessageText}",
            TimeoutException or NpgsqlException { InnerException: TimeoutException } =>
                $"No answer from {where} within {ConnectTimeoutSeconds} s: check host, port and firewall.",
            NpgsqlException { InnerException: SocketException s } => $"Cannot reach {where}: {s.Message}",
            NpgsqlException n when n.Message.Contains("password", StringComparison.OrdinalIgnoreCase) =>
                $"PostgreSQL at {where} asks for a password for user '{node.UserName}' and none is stored.",
            System.Security.Cryptography.CryptographicException =>
                "The stored password cannot be decrypted (the Data Protection keys changed): enter the password again.",
            _ => $"Cannot connect to {where}: {e.Message}",
        };
    }
}
