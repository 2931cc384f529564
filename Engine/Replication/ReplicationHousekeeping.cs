using Ferry.Engine.Control;
using Ferry.Engine.Errors;
using Ferry.Engine.Maintenance;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication.Internal;
using Ferry.Engine.Rules;
using Ferry.Engine.Sequences;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Engine.Replication;

/// <summary>
/// The recurring work around the loops: queue maintenance of every set (rotation, retries, tick cleanup), the purge of old
/// throughput buckets, and sequence values of every active subscription. Each step is safe to run from several processes at once (see
/// <see cref="QueueMaintenance"/>; a target sequence never moves backwards), so the recurring jobs need no lock of their own.
/// </summary>
public sealed class ReplicationHousekeeping(
    IDbContextFactory<ControlDbContext> contexts, NodeDataSources nodes, TimeProvider time, ILoggerFactory loggers,
    ErrorHistory? errors = null)
{
    private readonly ILogger _logger = loggers.CreateLogger<ReplicationHousekeeping>();

    /// <summary>
    /// Runs maintenance on every set's queue (a root that does not answer is logged and skipped), after purging old throughput
    /// buckets and closed error groups past <c>Errors:KeepClosed</c> (docs/decisions/ADR-017-error-history.md).
    /// </summary>
    public async Task RunMaintenanceAsync(CancellationToken cancellationToken)
    {
        await PurgeThroughputAsync(cancellationToken).ConfigureAwait(false);
        await (errors?.PruneAsync(cancellationToken) ?? Task.CompletedTask).ConfigureAwait(false);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var sets = await context.Sets.AsNoTracking().Include(s => s.RootNode).ToListAsync(cancellationToken).ConfigureAwait(false);
        foreach (var set in sets)
        {
            try
            {
                await using var root = nodes.Open(set.RootNode!, "ferry-maintenance");
                await new QueueMaintenance(root, loggers.CreateLogger<QueueMaintenance>()).RunAsync(set.QueueName, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (NpgsqlException e)
            {
                _logger.HousekeepingFailed(e, set.Id);
            }
        }
    }

    /// <summary>Deletes the throughput buckets older than <see cref="ThroughputBucket.Retention"/>; returns how many.</summary>
    public async Task<int> PurgeThroughputAsync(CancellationToken cancellationToken)
    {
        var cutoff = ThroughputBucket.StartOf(time.GetUtcNow() - ThroughputBucket.Retention);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var purged = await context.ThroughputBuckets.Where(b => b.BucketStart < cutoff).ExecuteDeleteAsync(cancellationToken)
            .ConfigureAwait(false);
        if (purged > 0)
        {
            _logger.ThroughputPurged(purged, ThroughputBucket.Retention);
        }
        return purged;
    }

    /// <summary>Carries every active subscription's sequences to its target; returns how many target sequences moved.</summary>
    public async Task<int> SyncSequencesAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscriptions = await context.Subscriptions.AsNoTracking()
            .Where(s => s.State == SubscriptionState.Active && s.Sequences.Count > 0)
            .Include(s => s.Set).ThenInclude(s => s!.RootNode)
            .Include(s => s.TargetNode)
            .Include(s => s.Sequences)
            .AsSplitQuery()
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var moved = 0;
        foreach (var subscription in subscriptions)
        {
            try
            {
                await using var source = nodes.Open(subscription.Set!.RootNode!, "ferry-sequences");
                await using var target = nodes.Open(subscription.TargetNode!, "ferry-sequences");
                moved += await SequenceSync.SyncAsync(source, target, subscription.Sequences.Select(s =>
                    (new TableName(s.SourceSchema, s.SourceSequence), new TableName(s.TargetSchema, s.TargetSequence))), cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (NpgsqlException e)
            {
                _logger.HousekeepingFailed(e, subscription.SetId);
            }
        }
        return moved;
    }
}
