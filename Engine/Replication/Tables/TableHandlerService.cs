using System.Security.Claims;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Control;
using Ferry.Engine.Nodes;
using Ferry.Engine.Replication.Internal;
using Ferry.Engine.Rules;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using static Ferry.Engine.Replication.Internal.InfoMapping;
using static Ferry.Engine.Replication.Internal.Refusals;
using static Ferry.Engine.Replication.Internal.SubscriptionLoader;

namespace Ferry.Engine.Replication.Tables;

/// <summary>
/// The handlers a table rule may name, and changing a table's handler (role <see cref="FerryRoles.Operator"/>): the name must
/// exist and its options hold against the target, checked like a filter before anything is stored; audited. The running loop
/// rebuilds itself with the new handler at its next control poll (docs/decisions/ADR-019-handlers.md).
/// </summary>
public sealed class TableHandlerService(
    IDbContextFactory<ControlDbContext> contexts, NodeDataSources nodes, TimeProvider time, ILogger<TableHandlerService> logger)
{
    private readonly ReplicationAudit _audit = new(time, logger);

    /// <summary>Every handler a rule may name, built-in first, with a one-line description each.</summary>
    public static IReadOnlyList<HandlerInfo> List() =>
    [
        .. HandlerRegistry.Kinds.Select(k => new HandlerInfo(
            k.Name, k.Description, k.NeedsKey, [.. k.Options.Select(o => new HandlerOptionInfo(o.Name, o.Description, o.Required))],
            HandlerRegistry.IsLoaded(k))),
    ];

    /// <summary>Sets the table's handler (null or empty for <c>bulk</c>) and its options.</summary>
    /// <exception cref="ReplicationRefusedException">An unknown name (the message lists the names), options that do not hold, or
    /// a keyless table for a handler that needs a key.</exception>
    public async Task<TableInfo> SetHandlerAsync(
        ClaimsPrincipal user, int subscriptionId, int tableId, string? handler, IReadOnlyDictionary<string, string>? options,
        CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        var kind = HandlerChoice.Kind(handler);
        options ??= new Dictionary<string, string>();
        await using var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        var subscription = await LoadAsync(context, subscriptionId, cancellationToken).ConfigureAwait(false);
        var table = subscription.Tables.SingleOrDefault(t => t.Id == tableId) ?? throw NoTable(subscription, tableId);
        var before = Info(table);
        var name = HandlerChoice.StoredName(kind);
        var stored = HandlerOptions.Format(options);
        await using (var source = nodes.Open(subscription.Set!.RootNode!, "ferry-admin", freshConnections: true))
        await using (var target = nodes.Open(subscription.TargetNode!, "ferry-admin", freshConnections: true))
        {
            // The rule as it would be with this handler (a keyless table only for a handler that needs no key).
            var changed = new TableRuleRecord
            {
                SourceSchema = table.SourceSchema, SourceTable = table.SourceTable, TargetSchema = table.TargetSchema,
                TargetTable = table.TargetTable, Filter = table.Filter, KeyColumns = table.KeyColumns, HandlerName = name,
            };
            TableRule rule;
            try
            {
                rule = await TableRuleBuilder.BuildAsync(source, target, changed, addMissingColumns: false, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (TableRuleException e)
            {
                throw new ReplicationRefusedException($"{table.SourceSchema}.{table.SourceTable} cannot use the handler {kind.Name}: {e.Message}", e);
            }
            await HandlerChoice.CheckAsync(kind, target, rule, options, cancellationToken).ConfigureAwait(false);
        }
        table.HandlerName = name;
        table.HandlerOptions = stored;
        await context.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        var info = Info(table);
        await _audit.AuditAsync(context, user, "handler", TableRuleRecord.AuditEntityType, tableId, before, info, subscription.Id,
            cancellationToken).ConfigureAwait(false);
        return info;
    }
}
