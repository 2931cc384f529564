using Ferry.Engine.Control;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Engine.Replication.Internal;

/// <summary>Reads a subscription for a change: with its set and root, its target, its tables and sequences.</summary>
internal static class SubscriptionLoader
{
    public static async Task<Subscription> LoadAsync(ControlDbContext context, int subscriptionId, CancellationToken cancellationToken) =>
        await context.Subscriptions
            .Include(s => s.Set).ThenInclude(s => s!.RootNode)
            .Include(s => s.TargetNode)
            .Include(s => s.Tables)
            .Include(s => s.Sequences)
            .AsSplitQuery()
            .SingleOrDefaultAsync(s => s.Id == subscriptionId, cancellationToken).ConfigureAwait(false)
        ?? throw Refusals.NoSubscription(subscriptionId);

    /// <summary>Source tables other subscriptions of the same set replicate (their capture must stay).</summary>
    public static async Task<HashSet<(string, string)>> OtherCapturedAsync(
        ControlDbContext context, Subscription subscription, CancellationToken cancellationToken) =>
        [.. (await context.TableRules
            .Where(t => t.Subscription!.SetId == subscription.SetId && t.SubscriptionId != subscription.Id)
            .Select(t => new { t.SourceSchema, t.SourceTable })
            .ToListAsync(cancellationToken).ConfigureAwait(false))
            .Select(t => (t.SourceSchema, t.SourceTable))];
}
