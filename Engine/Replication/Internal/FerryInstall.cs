using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Queue;
using Npgsql;

namespace Ferry.Engine.Replication.Internal;

/// <summary>
/// Ferry's schema on a node that a set or a subscription is about to use. Installing and upgrading it is an Admin's right
/// (Nodes → Install): an Admin's action installs or upgrades it on the way, as the node page would; an Operator's action on a
/// node without it, or with an older version, is refused before anything changes.
/// </summary>
internal static class FerryInstall
{
    /// <exception cref="ReplicationRefusedException">Kind <see cref="RefusalKind.NeedsAdmin"/>: an Operator, and the
    /// node needs an install.</exception>
    public static async Task EnsureAsync(ClaimsPrincipal user, Node node, NpgsqlDataSource data, CancellationToken cancellationToken)
    {
        if (FerryRoles.Allows(user, FerryRoles.Admin))
        {
            await QueueSchema.InstallAsync(data, cancellationToken).ConfigureAwait(false);
            return;
        }
        var installed = await QueueSchema.GetInstalledVersionAsync(data, cancellationToken).ConfigureAwait(false);
        if (installed == 0)
        {
            throw new ReplicationRefusedException(
                $"An Admin must install Ferry on node '{node.Name}' first (Nodes, Install): it has no Ferry schema yet.",
                RefusalKind.NeedsAdmin);
        }
        if (installed < QueueSchema.LatestVersion)
        {
            throw new ReplicationRefusedException(
                $"An Admin must install Ferry on node '{node.Name}' first (Nodes, Install): its Ferry schema is at version "
                + $"{installed}, this Ferry needs version {QueueSchema.LatestVersion}.",
                RefusalKind.NeedsAdmin);
        }
    }
}
