using System.Security.Claims;
using Ferry.Engine.Apply;
using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication.Internal;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using static Ferry.Engine.Replication.Internal.InfoMapping;
using static Ferry.Engine.Replication.Internal.NodeReachability;
using static Ferry.Engine.Replication.Internal.Refusals;
using static Ferry.Engine.Replication.Internal.SubscriptionLoader;

namespace Ferry.Engine.Replication.Tables;

/// <summary>Retrying a table in error, optionally without one kept event (the skip).</summary>
public sealed partial class TableRuleService
{
    /// <summary>
    /// Applies a table in error again once its cause is fixed (for example a column added to the source that the target now
    /// has too): the changes kept on the target since it stopped are applied first, in order, then it replicates as before
    /// (docs/decisions/ADR-014-exact-row-encoding.md). A table whose copy never finished is copied again (a resync). Refused,
    /// changing nothing, while the table's rule still does not hold (the refusal says what is wrong).
    /// </summary>
    public Task<TableInfo> RetryTableAsync(ClaimsPrincipal user, int subscriptionId, int tableId, CancellationToken cancellationToken) =>
        RetryAsync(user, subscriptionId, tableId, null, cancellationToken);

    /// <summary>
    /// <see cref="RetryTableAsync"/> without the kept event <paramref name="skip"/> names (deleted in the target transaction
    /// that takes the table out of error, so exactly that event is never applied), the table then marked as needing a compare,
    /// audited with the reason (docs/decisions/ADR-017-error-history.md). Refused, changing nothing, when the table is not in
    /// error or does not keep that event.
    /// </summary>
    public async Task<TableInfo> RetryAsync(
        ClaimsPrincipal user, int subscriptionId, int tableId, EventSkip? skip, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        if (skip is not null && string.IsNullOrWhiteSpace(skip.Reason))
        {
            throw new ReplicationRefusedException("Say why the event is skipped: the reason goes into the audit trail.");
        }
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        var table = subscription.Tables.SingleOrDefault(t => t.Id == tableId) ?? throw NoTable(subscription, tableId);
        var before = Info(table);
        TableState? now;
        await using (var source = nodes.Open(subscription.Set!.RootNode!, "ferry-admin", freshConnections: true))
        await using (var target = nodes.Open(subscription.TargetNode!, "ferry-admin", freshConnections: true))
        {
            var eventName = await OnNodeAsync(subscription.Set.RootNode!,
                    () => EventNames.OfAsync(source, new TableName(table.SourceSchema, table.SourceTable), cancellationToken))
                .ConfigureAwait(false);
            var store = new TargetStateStore(target, subscription.ConsumerName);
            var row = (await OnNodeAsync(subscription.TargetNode!, () => store.GetTablesAsync(cancellationToken)).ConfigureAwait(false))
                .SingleOrDefault(t => t.SourceTable == eventName);
            if (table.State == TableState.Error || row is { State: TableState.Error })
            {
                // A rule that still does not hold would stop the table again at once: refused, saying what is still wrong.
                if (await OnNodeAsync(subscription.TargetNode!, () => LoopRules.ProblemAsync(source, target, table,
                        options.Value.AddMissingColumns, cancellationToken)).ConfigureAwait(false) is { } problem)
                {
                    throw ReplicationRefusedException.Conflict(
                        $"{table.SourceSchema}.{table.SourceTable} still cannot be applied: {problem}");
                }
            }
            try
            {
                now = await OnNodeAsync(subscription.TargetNode!, () => store.RetryTableAsync(eventName, skip?.EventId, cancellationToken))
                    .ConfigureAwait(false);
            }
            catch (InvalidOperationException notKept) when (skip is not null)
            {
                throw ReplicationRefusedException.Conflict(notKept.Message);
            }
            if (now is null && table.State == TableState.Error)
            {
                // A rule found not valid any more by a table not copied yet: in error in the control database only. The apply
                // loop validates it again when it rebuilds (its state changes here, which makes it rebuild).
                now = (await OnNodeAsync(subscription.TargetNode!, () => store.GetTablesAsync(cancellationToken)).ConfigureAwait(false))
                    .SingleOrDefault(t => t.SourceTable == eventName)?.State ?? TableState.New;
            }
        }
        if (now is not { } state)
        {
            throw ReplicationRefusedException.Conflict(
                $"{table.SourceSchema}.{table.SourceTable} is not in error (state {before.State}): there is nothing to retry.");
        }
        table.State = state;
        table.LastError = null;
        table.NeedsCompare |= skip is not null;
        if (state == TableState.Copying)
        {
            table.RowsCopied = 0;
        }
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var info = Info(table);
        await _audit.AuditAsync(context, user, skip is null ? "retry" : "skip-event", TableRuleRecord.AuditEntityType, tableId, before,
            skip is null ? info : new { Table = info, SkippedEvent = skip.EventId, skip.Reason }, subscription.Id, cancellationToken)
            .ConfigureAwait(false);
        if (subscription.State == SubscriptionState.Active)
        {
            await StartApplyUnlessRunningAsync(context, subscription.Id, cancellationToken).ConfigureAwait(false);
        }
        return info;
    }
}
