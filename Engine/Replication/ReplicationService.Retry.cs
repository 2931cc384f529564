using System.Security.Claims;
using Ferry.Engine.Apply;
using Ferry.Engine.Control;
using Ferry.Engine.Rules;
using ControlTableRule = Ferry.Engine.Control.TableRule;
using ControlTableState = Ferry.Engine.Control.TableState;

namespace Ferry.Engine.Replication;

public sealed partial class ReplicationService
{
    /// <summary>
    /// Applies a table in error again once its cause is fixed (for example a column added to the source that the target now
    /// has too): the changes kept on the target since it stopped are applied first, in order, then it replicates as before
    /// (docs/decisions/ADR-008-exact-row-encoding.md). A table whose copy never finished is copied again (a resync).
    /// </summary>
    public async Task<TableInfo> RetryTableAsync(ClaimsPrincipal user, int subscriptionId, int tableId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        var table = subscription.Tables.SingleOrDefault(t => t.Id == tableId) ?? throw NoTable(subscription, tableId);
        var before = Info(table);
        Rules.TableState? now;
        await using (var source = _nodes.Open(subscription.Set!.RootNode!, "ferry-admin"))
        await using (var target = _nodes.Open(subscription.TargetNode!, "ferry-admin"))
        {
            var eventName = await OnNodeAsync(subscription.Set.RootNode!,
                () => EventNameAsync(source, new TableName(table.SourceSchema, table.SourceTable), cancellationToken)).ConfigureAwait(false);
            var store = new TargetStateStore(target, subscription.ConsumerName);
            now = await OnNodeAsync(subscription.TargetNode!, () => store.RetryTableAsync(eventName, cancellationToken)).ConfigureAwait(false);
            if (now is null && table.State == ControlTableState.Error)
            {
                // A rule found not valid any more by a table not copied yet: in error in the control database only. The apply
                // loop validates it again when it rebuilds (its state changes here, which makes it rebuild).
                now = (await OnNodeAsync(subscription.TargetNode!, () => store.GetTablesAsync(cancellationToken)).ConfigureAwait(false))
                    .SingleOrDefault(t => t.SourceTable == eventName)?.State ?? Rules.TableState.New;
            }
        }
        if (now is null)
        {
            throw ReplicationRefusedException.Conflict(
                $"{table.SourceSchema}.{table.SourceTable} is not in error (state {before.State}): there is nothing to retry.");
        }
        table.State = Enum.Parse<ControlTableState>(now.Value.ToString());
        table.LastError = null;
        if (now == Rules.TableState.Copying)
        {
            table.RowsCopied = 0;
        }
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var info = Info(table);
        await AuditAsync(context, user, "retry", nameof(ControlTableRule), tableId, before, info, subscription.Id, cancellationToken)
            .ConfigureAwait(false);
        if (subscription.State == SubscriptionState.Active)
        {
            await StartApplyUnlessRunningAsync(context, subscription.Id, cancellationToken).ConfigureAwait(false);
        }
        return info;
    }
}
