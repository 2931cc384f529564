using System.Security.Claims;
using Ferry.Engine.Consumers;
using Ferry.Engine.Control;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication.Internal;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Ferry.Engine.Replication;

/// <summary>
/// Read models of replication for the portal and <c>/api</c> (role Viewer): per subscription its state, lag and pending
/// events from the root's queue, the last tick it finished, and its tables with state, copy progress and last error (as
/// the apply loop mirrors them into the control database).
/// </summary>
public sealed class ReplicationStatusQuery(IDbContextFactory<ControlDbContext> contexts, NodeConnections connections)
{
    private readonly NodeDataSources _nodes = new(connections);

    /// <summary>Every subscription; each root is asked once for the lags of all its consumers.</summary>
    public async Task<IReadOnlyList<SubscriptionStatus>> GetStatusAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        return await ReadAsync(null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One subscription.</summary>
    public async Task<SubscriptionStatus> GetSubscriptionAsync(
        ClaimsPrincipal user, int subscriptionId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        return (await ReadAsync(subscriptionId, cancellationToken).ConfigureAwait(false)).SingleOrDefault()
            ?? throw ReplicationRefusedException.NotFound($"There is no subscription {subscriptionId}: it may have been dropped.");
    }

    /// <summary>The sets.</summary>
    public async Task<IReadOnlyList<SetInfo>> GetSetsAsync(ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Viewer);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await context.Sets.AsNoTracking().OrderBy(s => s.Name)
            .Select(s => new SetInfo(s.Id, s.Name, s.RootNodeId, s.QueueName))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<SubscriptionStatus>> ReadAsync(int? only, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscriptions = await context.Subscriptions.AsNoTracking()
            .Where(s => only == null || s.Id == only)
            .Include(s => s.Set).ThenInclude(s => s!.RootNode)
            .Include(s => s.TargetNode)
            .Include(s => s.Tables)
            .Include(s => s.Sequences)
            .AsSplitQuery()
            .OrderBy(s => s.Id)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var lags = new Dictionary<int, (IReadOnlyList<ConsumerLag>? Lags, string? Error)>();
        foreach (var set in subscriptions.Select(s => s.Set!).DistinctBy(s => s.Id))
        {
            try
            {
                await using var source = _nodes.Open(set.RootNode!, "ferry-status");
                var admin = new QueueAdmin(source);
                lags[set.Id] = (await admin.GetConsumerLagsAsync(set.QueueName, cancellationToken).ConfigureAwait(false), null);
            }
            catch (NpgsqlException e)
            {
                lags[set.Id] = (null, $"The root '{set.RootNode!.Name}' did not answer: {e.Message}");
            }
        }
        return [.. subscriptions.Select(s =>
        {
            var (setLags, error) = lags[s.SetId];
            var lag = setLags?.SingleOrDefault(l => l.Consumer == s.ConsumerName);
            return new SubscriptionStatus(
                s.Id, s.SetId, s.Set!.Name, s.TargetNodeId, s.TargetNode!.Name, s.ConsumerName, s.State.ToString(), s.LastError,
                lag?.Lag.TotalSeconds, lag?.PendingEvents, lag?.LastTickId, lag?.LastTickTime,
                error ?? (setLags is not null && lag is null ? "The subscription's consumer is not registered on the root." : null),
                [.. s.Tables.OrderBy(t => t.SourceSchema).ThenBy(t => t.SourceTable).Select(ReplicationService.Info)],
                [.. s.Sequences.OrderBy(q => q.SourceSchema).ThenBy(q => q.SourceSequence).Select(ReplicationService.Info)]);
        })];
    }
}
