using System.Security.Claims;
using System.Text.RegularExpressions;
using Ferry.Engine.Apply;
using Ferry.Engine.Consumers;
using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication.Internal;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using static Ferry.Engine.Replication.Internal.InfoMapping;
using static Ferry.Engine.Replication.Internal.NodeReachability;
using static Ferry.Engine.Replication.Internal.Refusals;
using static Ferry.Engine.Replication.Internal.SubscriptionLoader;

namespace Ferry.Engine.Replication.Subscriptions;

/// <summary>
/// Subscribes target nodes to sets, pauses, resumes and drops subscriptions (role <see cref="FerryRoles.Operator"/>). Refusals
/// are <see cref="ReplicationRefusedException"/>s thrown before anything changes; every change writes an audit entry.
/// </summary>
/// <remarks>
/// The loops pick changes up by themselves: a running apply loop rereads its subscription every
/// <see cref="ReplicationOptions.ControlPollInterval"/>, and new or resumed subscriptions are started at once through
/// <see cref="IReplicationLoopStarter"/> (the supervisor would start them within a minute anyway).
/// </remarks>
public sealed partial class SubscriptionService(
    IDbContextFactory<ControlDbContext> contexts, NodeDataSources nodes, IReplicationLoopStarter loops, TimeProvider time,
    ILogger<SubscriptionService> logger)
{
    private readonly ReplicationAudit _audit = new(time, logger);

    /// <summary>
    /// Subscribes a target node to a set: registers the subscription's consumer on the root's queue (it gets what commits
    /// from now on) and installs Ferry's target state on the target; starts its apply loop.
    /// </summary>
    public async Task<SubscriptionInfo> SubscribeAsync(
        ClaimsPrincipal user, int setId, int targetNodeId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var set = await context.Sets.Include(s => s.RootNode).Include(s => s.Subscriptions)
            .SingleOrDefaultAsync(s => s.Id == setId, cancellationToken).ConfigureAwait(false) ?? throw NoSet(setId);
        var target = await context.Nodes.FindAsync([targetNodeId], cancellationToken).ConfigureAwait(false) ?? throw NoNode(targetNodeId);
        if (target.Id == set.RootNodeId)
        {
            throw new ReplicationRefusedException($"Node '{target.Name}' is the root of set '{set.Name}': subscribe another node.");
        }
        if (set.Subscriptions.Any(s => s.TargetNodeId == target.Id))
        {
            throw ReplicationRefusedException.Conflict($"Node '{target.Name}' is already subscribed to set '{set.Name}'.");
        }
        var consumer = ConsumerName(set, target);
        await using (var source = nodes.Open(set.RootNode!, "ferry-admin", freshConnections: true))
        await using (var targetData = nodes.Open(target, "ferry-admin", freshConnections: true))
        {
            await OnNodeAsync(target, async () =>
            {
                await FerryInstall.EnsureAsync(user, target, targetData, cancellationToken).ConfigureAwait(false);
                await new TargetStateStore(targetData, consumer).InstallAsync(cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
            await OnNodeAsync(set.RootNode!, () => new QueueConsumer(source, set.QueueName, consumer).RegisterAsync(cancellationToken))
                .ConfigureAwait(false);
        }
        var subscription = new Subscription { SetId = set.Id, TargetNodeId = target.Id, ConsumerName = consumer };
        context.Subscriptions.Add(subscription);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var info = Info(subscription);
        await _audit.AuditAsync(context, user, "create", nameof(Subscription), subscription.Id, null, info, null, cancellationToken)
            .ConfigureAwait(false);
        loops.StartApply(subscription.Id);
        return info;
    }

    /// <summary>Stops applying (the consumer keeps its position on the root, so nothing is lost while paused).</summary>
    public Task<SubscriptionInfo> PauseAsync(ClaimsPrincipal user, int subscriptionId, CancellationToken cancellationToken) =>
        ChangeStateAsync(user, subscriptionId, "pause", SubscriptionState.Paused, cancellationToken);

    /// <summary>Applies again: from a pause, or from an error once its cause is fixed (the error is cleared on the target).</summary>
    public Task<SubscriptionInfo> ResumeAsync(ClaimsPrincipal user, int subscriptionId, CancellationToken cancellationToken) =>
        ChangeStateAsync(user, subscriptionId, "resume", SubscriptionState.Active, cancellationToken);

    /// <summary>
    /// Drops a subscription: unregisters its consumer on the root, forgets its state on the target (target tables keep their
    /// rows), drops capture of tables no other subscription of the set needs.
    /// </summary>
    /// <remarks>
    /// Its apply loop is stopped first (the subscription is paused, then the loop's lock is taken and held to the end): a
    /// runner rebuilding itself meanwhile would otherwise write its state back on the target after it was dropped. When the
    /// loop does not stop within <see cref="LoopStopWait"/>, or a node refuses, the subscription gets its state back.
    /// </remarks>
    public async Task DropSubscriptionAsync(ClaimsPrincipal user, int subscriptionId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        var before = Info(subscription);
        var set = subscription.Set!;
        var others = await OtherCapturedAsync(context, subscription, cancellationToken).ConfigureAwait(false);
        var wasActive = subscription.State == SubscriptionState.Active;
        if (wasActive)
        {
            subscription.State = SubscriptionState.Paused;
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        try
        {
            await using var stopped = await LoopLock.TryAcquireAsync(context.Database.GetConnectionString()!, LoopLock.ApplyClass,
                    subscriptionId, LoopStopWait, time, cancellationToken).ConfigureAwait(false)
                ?? throw ReplicationRefusedException.Conflict(
                    $"The apply loop of subscription {subscriptionId} did not stop within {LoopStopWait.TotalSeconds:0} s (it may be "
                    + "in the middle of a long batch or waiting to retry a node): pause the subscription, wait until it shows "
                    + "paused, then drop it.");
            await using (var source = nodes.Open(set.RootNode!, "ferry-admin", freshConnections: true))
            await using (var target = nodes.Open(subscription.TargetNode!, "ferry-admin", freshConnections: true))
            {
                await OnNodeAsync(set.RootNode!, async () =>
                {
                    var admin = new QueueAdmin(source);
                    foreach (var table in subscription.Tables.Where(t => !others.Contains((t.SourceSchema, t.SourceTable))))
                    {
                        var name = new TableName(table.SourceSchema, table.SourceTable);
                        await admin.DisableCaptureAsync(set.QueueName, name.Quoted, cancellationToken)
                            .ConfigureAwait(false);
                    }
                    await new QueueConsumer(source, set.QueueName, subscription.ConsumerName).UnregisterAsync(cancellationToken)
                        .ConfigureAwait(false);
                }).ConfigureAwait(false);
                var store = new TargetStateStore(target, subscription.ConsumerName);
                await OnNodeAsync(subscription.TargetNode!, () => store.DropAsync(cancellationToken))
                    .ConfigureAwait(false);
            }
            context.Subscriptions.Remove(subscription);
            await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (wasActive && context.Entry(subscription).State != EntityState.Deleted)
        {
            subscription.State = SubscriptionState.Active;
            await context.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
            loops.StartApply(subscriptionId);
            throw;
        }
        await _audit.AuditAsync(context, user, "delete", nameof(Subscription), subscriptionId, before, null, null, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>How long dropping a subscription waits for its apply loop to stop (it notices within a control poll).</summary>
    public static readonly TimeSpan LoopStopWait = TimeSpan.FromSeconds(30);

    private async Task<SubscriptionInfo> ChangeStateAsync(
        ClaimsPrincipal user, int subscriptionId, string action, SubscriptionState to, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        var before = Info(subscription);
        if (subscription.State == to)
        {
            return before;
        }
        if (to == SubscriptionState.Active)
        {
            // The apply loop stopped itself on the target too; clear that so it applies again.
            await using var target = nodes.Open(subscription.TargetNode!, "ferry-admin", freshConnections: true);
            await OnNodeAsync(subscription.TargetNode!, () => new TargetStateStore(target, subscription.ConsumerName)
                .ClearErrorAsync(cancellationToken)).ConfigureAwait(false);
            subscription.LastError = null;
            subscription.LastFailingEventId = null;
        }
        subscription.State = to;
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var info = Info(subscription);
        await _audit.AuditAsync(context, user, action, nameof(Subscription), subscriptionId, before, info, null, cancellationToken)
            .ConfigureAwait(false);
        if (to == SubscriptionState.Active)
        {
            loops.StartApply(subscription.Id);
        }
        return info;
    }

    private static string ConsumerName(ReplicationSet set, Node target)
    {
        var name = InvalidConsumerCharacters().Replace($"{set.QueueName}_{target.Name}".ToLowerInvariant(), "_");
        return name.Length <= 63 ? name : name[..52] + "_" + target.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("[^a-z0-9_]")]
    private static partial Regex InvalidConsumerCharacters();
}
