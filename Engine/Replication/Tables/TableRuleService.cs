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

/// <summary>
/// Adds, removes, resyncs and retries the tables of a subscription (role <see cref="FerryRoles.Operator"/>): each table is a table rule
/// (source, target, filter, key) validated against both nodes. Refusals are <see cref="ReplicationRefusedException"/>s thrown
/// before anything changes; every change writes an audit entry.
/// </summary>
/// <remarks>
/// A running apply loop rereads its table rules every <see cref="ReplicationOptions.ControlPollInterval"/>; a stopped one is
/// started through <see cref="IReplicationLoopStarter"/>.
/// </remarks>
public sealed partial class TableRuleService(
    IDbContextFactory<ControlDbContext> contexts, NodeDataSources nodes, IReplicationLoopStarter loops,
    IOptions<ReplicationOptions> options, TimeProvider time, ILogger<TableRuleService> logger)
{
    private readonly ReplicationAudit _audit = new(time, logger);

    /// <summary>
    /// Starts the subscription's apply loop unless it runs (its lock is held): a running loop takes a new or resynced table
    /// at its next control poll, and a start that only finds the lock taken would hold a loop worker for the lock wait
    /// (adding 1,000 tables one by one queued 1,000 such jobs).
    /// </summary>
    private async Task StartApplyUnlessRunningAsync(ControlDbContext context, int subscriptionId, CancellationToken cancellationToken)
    {
        await context.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = (NpgsqlConnection)context.Database.GetDbConnection();
            if (await LoopLock.IsHeldAsync(connection, LoopLock.ApplyClass, subscriptionId, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
        finally
        {
            await context.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
        loops.StartApply(subscriptionId);
    }

    /// <summary>
    /// Adds a source table to a subscription: validates the rule against source and target (key, columns, filter; the seed's
    /// keyless log tables are refused here), optionally creates the target table, starts capturing the table on the root and
    /// stores the rule in state <c>new</c>; the apply loop then copies it.
    /// </summary>
    public async Task<TableInfo> AddTableAsync(
        ClaimsPrincipal user, int subscriptionId, AddTableRequest request, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        ArgumentNullException.ThrowIfNull(request);
        var sourceName = Names.Parse(request.Source, "source table");
        var targetName = string.IsNullOrWhiteSpace(request.Target) ? sourceName : Names.Parse(request.Target, "target table");
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        if (subscription.Tables.Any(t => t.SourceSchema == sourceName.Schema && t.SourceTable == sourceName.Name))
        {
            throw ReplicationRefusedException.Conflict($"{sourceName} is already part of this subscription: remove it first or resync it.");
        }
        if (subscription.Tables.Any(t => t.TargetSchema == targetName.Schema && t.TargetTable == targetName.Name))
        {
            throw ReplicationRefusedException.Conflict(
                $"Another table of this subscription already goes to {targetName}: choose another target.");
        }
        var set = subscription.Set!;
        var key = string.IsNullOrWhiteSpace(request.Key) ? null : request.Key.Trim();
        TableRule rule;
        await using (var source = nodes.Open(set.RootNode!, "ferry-admin", freshConnections: true))
        await using (var target = nodes.Open(subscription.TargetNode!, "ferry-admin", freshConnections: true))
        {
            try
            {
                rule = await TableRuleValidator.ValidateAsync(source, target,
                    new TableRuleRequest(sourceName, targetName, request.Filter, key, request.CreateTarget, TargetSchemasOf(subscription)),
                    cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (TableRuleException e)
            {
                throw new ReplicationRefusedException(e.Message, e);
            }
            catch (NpgsqlException e) when (e is not PostgresException)
            {
                throw Unreachable(set.RootNode!.Name + "' or '" + subscription.TargetNode!.Name, e);
            }
            try
            {
                await new QueueAdmin(source).EnableCaptureAsync(set.QueueName, rule.SourceTable, cancellationToken).ConfigureAwait(false);
            }
            catch (CaptureRefusedException e)
            {
                throw new ReplicationRefusedException(e.Message, e);
            }
        }
        var table = new TableRuleRecord
        {
            SubscriptionId = subscription.Id,
            SourceSchema = rule.Source.Schema,
            SourceTable = rule.Source.Name,
            TargetSchema = rule.Target.Schema,
            TargetTable = rule.Target.Name,
            Filter = rule.Filter,
            KeyColumns = [.. rule.Key],
            AddMissingColumns = request.AddMissingColumns,
            State = TableState.New,
        };
        context.TableRules.Add(table);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var info = Info(table);
        await _audit.AuditAsync(context, user, "create", TableRuleRecord.AuditEntityType, table.Id, null, info, subscription.Id,
            cancellationToken)
            .ConfigureAwait(false);
        if (subscription.State == SubscriptionState.Active)
        {
            await StartApplyUnlessRunningAsync(context, subscription.Id, cancellationToken).ConfigureAwait(false);
        }
        return info;
    }

    /// <summary>
    /// Removes a table from a subscription: stops applying it, forgets its state on the target (its rows stay), and drops
    /// capture on the root when no other subscription of the set needs the table.
    /// </summary>
    public async Task RemoveTableAsync(ClaimsPrincipal user, int subscriptionId, int tableId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        var table = subscription.Tables.SingleOrDefault(t => t.Id == tableId) ?? throw NoTable(subscription, tableId);
        var before = Info(table);
        var set = subscription.Set!;
        var others = await OtherCapturedAsync(context, subscription, cancellationToken).ConfigureAwait(false);
        // The control row goes first: the apply loop rereads its rules and stops applying the table.
        context.TableRules.Remove(table);
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await using (var source = nodes.Open(set.RootNode!, "ferry-admin", freshConnections: true))
        await using (var target = nodes.Open(subscription.TargetNode!, "ferry-admin", freshConnections: true))
        {
            var sourceName = new TableName(table.SourceSchema, table.SourceTable);
            var eventName = await EventNames.OfAsync(source, sourceName, cancellationToken).ConfigureAwait(false);
            await OnNodeAsync(subscription.TargetNode!, () => new TargetStateStore(target, subscription.ConsumerName)
                .RemoveTableAsync(eventName, cancellationToken)).ConfigureAwait(false);
            if (!others.Contains((table.SourceSchema, table.SourceTable)))
            {
                var admin = new QueueAdmin(source);
                await OnNodeAsync(set.RootNode!, () => admin.DisableCaptureAsync(set.QueueName, sourceName.Quoted, cancellationToken))
                    .ConfigureAwait(false);
            }
        }
        await _audit.AuditAsync(context, user, "delete", TableRuleRecord.AuditEntityType, tableId, before, null, subscription.Id,
            cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Copies one table again (back to <c>copying</c>) while the subscription's other tables keep applying.</summary>
    public async Task<TableInfo> ResyncTableAsync(
        ClaimsPrincipal user, int subscriptionId, int tableId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        var table = subscription.Tables.SingleOrDefault(t => t.Id == tableId) ?? throw NoTable(subscription, tableId);
        var before = Info(table);
        // A resync empties the target table again: the node's target schemas (docs/decisions/ADR-010-target-schemas.md) hold now too.
        if (TargetSchemasOf(subscription).Problem(new TableName(table.TargetSchema, table.TargetTable)) is { } notAllowed)
        {
            throw new ReplicationRefusedException(notAllowed);
        }
        await using (var source = nodes.Open(subscription.Set!.RootNode!, "ferry-admin", freshConnections: true))
        await using (var target = nodes.Open(subscription.TargetNode!, "ferry-admin", freshConnections: true))
        {
            var eventName = await EventNames.OfAsync(source, new TableName(table.SourceSchema, table.SourceTable), cancellationToken)
                .ConfigureAwait(false);
            var store = new TargetStateStore(target, subscription.ConsumerName);
            var state = (await OnNodeAsync(subscription.TargetNode!, () => store.GetTablesAsync(cancellationToken)).ConfigureAwait(false))
                .SingleOrDefault(t => t.SourceTable == eventName)?.State;
            if (state is null or TableState.New or TableState.Copying)
            {
                throw ReplicationRefusedException.Conflict(
                    $"{table.SourceSchema}.{table.SourceTable} is not copied yet (state {before.State}): its copy will run by itself.");
            }
            await OnNodeAsync(subscription.TargetNode!, () => store.MoveTableAsync(eventName, TableState.Copying,
                cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        table.State = TableState.Copying;
        table.RowsCopied = 0;
        table.LastError = null;
        table.Differs = null;
        table.NeedsCompare = false;
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        // The table's open errors end with its copy (docs/decisions/ADR-017-error-history.md).
        var now = time.GetUtcNow();
        await context.ErrorGroups.Where(g => g.TableRuleId == tableId && g.ClosedAt == null).ExecuteUpdateAsync(s => s
            .SetProperty(g => g.Status, ErrorStatus.Resynced).SetProperty(g => g.ClosedAt, now).SetProperty(g => g.Resolution, "resynced"),
            cancellationToken).ConfigureAwait(false);
        var info = Info(table);
        await _audit.AuditAsync(context, user, "resync", TableRuleRecord.AuditEntityType, tableId, before, info, subscription.Id,
            cancellationToken)
            .ConfigureAwait(false);
        if (subscription.State == SubscriptionState.Active)
        {
            await StartApplyUnlessRunningAsync(context, subscription.Id, cancellationToken).ConfigureAwait(false);
        }
        return info;
    }

    private static TargetSchemas TargetSchemasOf(Subscription subscription) =>
        new(subscription.TargetNode!.Name, subscription.TargetNode.TargetSchemas);
}
