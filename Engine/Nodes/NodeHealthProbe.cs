using Ferry.Engine.Control;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Engine.Nodes;

/// <summary>
/// Connects to every node, records its server version (or why it did not answer) in the control database. Each probe opens a
/// new connection (<see cref="NodeDataSources.CreateForCheck"/>), so a node that went away is never reported by a pooled one.
/// </summary>
public sealed class NodeHealthProbe(
    IDbContextFactory<ControlDbContext> contexts,
    NodeDataSources nodes,
    TimeProvider time,
    ILogger<NodeHealthProbe> logger)
{
    public async Task ProbeAllAsync(CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var nodes = await context.Nodes.OrderBy(n => n.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        var failed = 0;
        foreach (var node in nodes)
        {
            if (!await ProbeAsync(node, cancellationToken).ConfigureAwait(false))
            {
                failed++;
            }
        }
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        ControlLog.ProbeRoundFinished(logger, nodes.Count, failed);
    }

    private async Task<bool> ProbeAsync(Node node, CancellationToken cancellationToken)
    {
        node.LastProbedAt = time.GetUtcNow();
        try
        {
            await using var source = nodes.CreateForCheck(node, "ferry-probe", NodeDataSources.ConnectTimeoutSeconds);
            await using var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            node.ServerVersion = connection.PostgreSqlVersion.ToString() + " (" + connection.ServerVersion + ")";
            node.LastProbeError = null;
            ControlLog.NodeProbed(logger, node.Name, connection.ServerVersion);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or System.Security.Cryptography.CryptographicException)
        {
            // Npgsql's messages name host and port but never the password.
            node.LastProbeError = e.Message;
            ControlLog.NodeProbeFailed(logger, node.Name, e.Message);
            return false;
        }
    }
}
