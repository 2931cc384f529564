using System.Security.Claims;
using System.Text.RegularExpressions;
using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using static Ferry.Engine.Replication.Internal.NodeReachability;
using static Ferry.Engine.Replication.Internal.Refusals;

namespace Ferry.Engine.Replication.Sets;

/// <summary>
/// Creates and drops replication sets (role <see cref="FerryRoles.Operator"/>): a set is a root node and the queue on it.
/// Refusals are <see cref="ReplicationRefusedException"/>s thrown before anything changes; every change writes an audit entry.
/// </summary>
public sealed partial class SetService(
    IDbContextFactory<ControlDbContext> contexts, NodeDataSources nodes, IReplicationLoopStarter loops, TimeProvider time,
    ILogger<SetService> logger)
{
    private readonly ReplicationAudit _audit = new(time, logger);

    /// <summary>Creates a set rooted at a node: installs the queue schema on the root and creates the set's queue there.</summary>
    /// <param name="name">1 to 50 characters: lower-case letters, digits, underscores; also the queue's name.</param>
    public async Task<SetInfo> CreateSetAsync(ClaimsPrincipal user, string name, int rootNodeId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        name = name?.Trim() ?? "";
        if (!SetName().IsMatch(name))
        {
            throw new ReplicationRefusedException(
                $"'{name}' is not a valid set name: use 1 to 50 lower-case letters, digits and underscores, starting with a letter.");
        }
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var root = await context.Nodes.FindAsync([rootNodeId], cancellationToken).ConfigureAwait(false)
            ?? throw NoNode(rootNodeId);
        if (await context.Sets.AnyAsync(s => s.Name == name, cancellationToken).ConfigureAwait(false))
        {
            throw ReplicationRefusedException.Conflict($"A set named '{name}' exists already: choose another name.");
        }
        await using (var source = nodes.Open(root, "ferry-admin", freshConnections: true))
        {
            await OnNodeAsync(root, async () =>
            {
                await FerryInstall.EnsureAsync(user, root, source, cancellationToken).ConfigureAwait(false);
                await new QueueAdmin(source).CreateQueueAsync(name, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        var set = new ReplicationSet { Name = name, RootNodeId = root.Id, QueueName = name };
        context.Sets.Add(set);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var info = new SetInfo(set.Id, set.Name, set.RootNodeId, set.QueueName);
        await _audit.AuditAsync(context, user, "create", nameof(ReplicationSet), set.Id, null, info, null, cancellationToken)
            .ConfigureAwait(false);
        loops.StartTicker(set.Id);
        return info;
    }

    /// <summary>Drops a set that has no subscriptions left: its queue (events, ticks, capture triggers) goes from the root.</summary>
    public async Task DropSetAsync(ClaimsPrincipal user, int setId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var set = await context.Sets.Include(s => s.RootNode).Include(s => s.Subscriptions)
            .SingleOrDefaultAsync(s => s.Id == setId, cancellationToken).ConfigureAwait(false) ?? throw NoSet(setId);
        if (set.Subscriptions.Count > 0)
        {
            throw ReplicationRefusedException.Conflict(
                $"Set '{set.Name}' still has {set.Subscriptions.Count} subscription(s): drop them first.");
        }
        await using (var source = nodes.Open(set.RootNode!, "ferry-admin", freshConnections: true))
        {
            await OnNodeAsync(set.RootNode!, () => new QueueAdmin(source).DropQueueAsync(set.QueueName, cancellationToken))
                .ConfigureAwait(false);
        }
        var before = new SetInfo(set.Id, set.Name, set.RootNodeId, set.QueueName);
        context.Sets.Remove(set);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await _audit.AuditAsync(context, user, "delete", nameof(ReplicationSet), setId, before, null, null, cancellationToken)
            .ConfigureAwait(false);
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,49}$")]
    private static partial Regex SetName();
}
