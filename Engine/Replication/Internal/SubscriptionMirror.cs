using System.Text.Json;
using Ferry.Engine.Control;
using Ferry.Engine.Copy;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Engine.Replication.Internal;

/// <summary>
/// A subscription runner's side of the control database: loads the subscription, and writes back what the runner learns on the
/// target (table states, rows copied and estimated, errors; the subscription's error; throughput counts) for the portal.
/// The target stays the truth; this is its mirror, refreshed every control poll.
/// </summary>
internal sealed class SubscriptionMirror(IDbContextFactory<ControlDbContext> contexts, int subscriptionId, TimeProvider time)
{
    /// <summary>The subscription with its set, nodes and tables (not tracked), or null when it was dropped.</summary>
    public async Task<Subscription?> LoadAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return await context.Subscriptions.AsNoTracking()
            .Include(s => s.Set).ThenInclude(s => s!.RootNode)
            .Include(s => s.TargetNode)
            .Include(s => s.Tables)
            .AsSplitQuery()
            .SingleOrDefaultAsync(s => s.Id == subscriptionId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The control database's connection string (for the runner's lock).</summary>
    public async Task<string> ConnectionStringAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return context.Database.GetConnectionString()!;
    }

    /// <summary>
    /// Copies the target's table states and the copies' progress into the control database; returns the subscription as it is
    /// now (with its tables), or null when it was dropped.
    /// </summary>
    /// <param name="rules">The loop's validated rules, by table rule id.</param>
    /// <param name="tables">The target's table state rows.</param>
    /// <param name="progressOf">The latest progress of a table's copy, by source table.</param>
    public async Task<Subscription?> MirrorTablesAsync(
        IReadOnlyDictionary<int, TableRule> rules, IReadOnlyList<TableStateRow> tables, Func<string, CopyProgress?> progressOf,
        CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await context.Subscriptions.Include(s => s.Tables)
            .SingleOrDefaultAsync(s => s.Id == subscriptionId, cancellationToken).ConfigureAwait(false);
        if (subscription is null)
        {
            return null;
        }
        var byTable = tables.ToDictionary(t => t.SourceTable, StringComparer.Ordinal);
        foreach (var table in subscription.Tables)
        {
            if (!rules.TryGetValue(table.Id, out var rule) || !byTable.TryGetValue(rule.SourceTable, out var row))
            {
                continue;
            }
            table.State = row.State;
            table.LastError = row.Error;
            if (row.State == TableState.Copying)
            {
                // A copy makes the last compare's verdict moot (docs/decisions/ADR-016-compare-and-repair.md).
                table.Differs = null;
                table.NeedsCompare = false;
            }
            if (progressOf(rule.SourceTable) is { } copy)
            {
                table.RowsEstimated = copy.RowsEstimated;
                table.RowsCopied = row.State == TableState.Copying || row.RowsCopied is null ? copy.RowsCopied : row.RowsCopied.Value;
            }
            else if (row.RowsCopied is { } copied)
            {
                table.RowsCopied = copied;
            }
        }
        try
        {
            if (await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false) > 0)
            {
                await ReplicationChanges.PublishAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DbUpdateConcurrencyException)
        {
            // A table (or the subscription) was removed meanwhile: the next poll mirrors what is left.
        }
        return subscription;
    }

    /// <summary>
    /// Stops the subscription in state error with the error (and failing event) the apply loop kept on the target, and audits
    /// it as the system's doing.
    /// </summary>
    public async Task MarkErrorAsync(SubscriptionStateRow row, CancellationToken cancellationToken)
    {
        long? failedEvent = null;
        if (row.FailedEvent is not null)
        {
            using var json = JsonDocument.Parse(row.FailedEvent);
            if (json.RootElement.TryGetProperty("Id", out var id) && id.TryGetInt64(out var value))
            {
                failedEvent = value;
            }
        }
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await context.Subscriptions.FindAsync([subscriptionId], cancellationToken).ConfigureAwait(false);
        if (subscription is null)
        {
            return;
        }
        subscription.State = SubscriptionState.Error;
        subscription.LastError = row.Error ?? "The apply loop stopped on an error.";
        subscription.LastFailingEventId = failedEvent;
        context.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            UserName = "system",
            Action = "error",
            EntityType = nameof(Subscription),
            EntityId = subscriptionId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            After = AuditEntry.Snapshot(new { subscription.LastError, subscription.LastFailingEventId }),
        });
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await ReplicationChanges.PublishAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks a table whose stored rule does not hold any more (the loop does not apply it); the target keeps its state.</summary>
    public async Task SetTableErrorAsync(int tableId, string message, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await context.TableRules.Where(t => t.Id == tableId)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.State, TableState.Error).SetProperty(t => t.LastError, message),
                cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds the counted events to the throughput buckets (nothing when none are pending).</summary>
    public async Task FlushAsync(ThroughputCounter throughput, CancellationToken cancellationToken)
    {
        if (throughput.IsEmpty)
        {
            return;
        }
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await throughput.FlushAsync(context, cancellationToken).ConfigureAwait(false);
    }
}
