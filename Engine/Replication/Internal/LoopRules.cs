using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Control;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Engine.Replication.Internal;

/// <summary>The validated rules and handlers a subscription runner builds its loop from.</summary>
internal static class LoopRules
{
    /// <summary>
    /// Validates the subscription's stored rules against the nodes and picks each table's handler by the name its rule stores
    /// among <paramref name="named"/> (<see cref="HandlerRegistry.With"/>); adds their tables to the target's state: the apply
    /// loop only applies tables with a state row there (a new one starts in state new; a table already there keeps its
    /// state). A table whose rule does not hold any more, or names a handler that does not exist, is left out and marked error
    /// in the control database, and on the target too when its state allows (see <see cref="StopInvalidAsync"/>, <see cref="StopTableAsync"/>).
    /// </summary>
    /// <returns>The validated rules by table rule id, and the handlers by source table.</returns>
    public static async Task<(Dictionary<int, TableRule> Rules, Dictionary<string, IHandler> Handlers)> BuildAsync(
        Subscription subscription, NpgsqlDataSource source, NpgsqlDataSource target, TargetStateStore store, SubscriptionMirror mirror,
        bool addMissingColumns, IReadOnlyDictionary<string, IHandler> named, ILogger logger, CancellationToken cancellationToken,
        bool ddlPending = false)
    {
        await store.InstallAsync(cancellationToken).ConfigureAwait(false);
        var rules = new Dictionary<int, TableRule>();
        var handlers = new Dictionary<string, IHandler>(StringComparer.Ordinal);
        foreach (var table in subscription.Tables)
        {
            TableRule rule;
            try
            {
                rule = await TableRuleBuilder.BuildAsync(source, target, table, addMissingColumns, cancellationToken, ddlPending)
                    .ConfigureAwait(false);
            }
            catch (TableRuleException e)
            {
                logger.RuleInvalid(subscription.Id, $"{table.SourceSchema}.{table.SourceTable}", e.Message);
                var message = await StopInvalidAsync(source, store, table, e.Message, cancellationToken).ConfigureAwait(false);
                await mirror.SetTableErrorAsync(table.Id, message, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (await HandlerAsync(target, table, rule, named, cancellationToken).ConfigureAwait(false) is not { } handler)
            {
                var message = await HandlerProblemAsync(target, table, rule, cancellationToken).ConfigureAwait(false)
                    ?? HandlerRegistry.Unknown(table.HandlerName);
                logger.RuleInvalid(subscription.Id, $"{table.SourceSchema}.{table.SourceTable}", message);
                await StopTableAsync(store, rule.SourceTable, message, cancellationToken).ConfigureAwait(false);
                await mirror.SetTableErrorAsync(table.Id, message, cancellationToken).ConfigureAwait(false);
                continue;
            }
            rules[table.Id] = rule;
            handlers[rule.SourceTable] = handler;
            await store.AddTableAsync(rule, cancellationToken).ConfigureAwait(false);
        }
        return (rules, handlers);
    }

    /// <summary>
    /// What keeps the table's stored rule from being applied, found as <see cref="BuildAsync"/> finds it (the rule validated
    /// against both nodes, its handler known), or null when it holds: a retry is refused while this is not null, since the loop
    /// would stop the table again at once.
    /// </summary>
    public static async Task<string?> ProblemAsync(
        NpgsqlDataSource source, NpgsqlDataSource target, TableRuleRecord table, bool addMissingColumns,
        CancellationToken cancellationToken)
    {
        TableRule rule;
        try
        {
            rule = await TableRuleBuilder.BuildAsync(source, target, table, addMissingColumns, cancellationToken).ConfigureAwait(false);
        }
        catch (TableRuleException e)
        {
            return e.Message;
        }
        return await HandlerProblemAsync(target, table, rule, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The table's handler: shared for a kind without options, made with the stored options else; null when it cannot be.</summary>
    private static async Task<IHandler?> HandlerAsync(
        NpgsqlDataSource target, TableRuleRecord table, TableRule rule, IReadOnlyDictionary<string, IHandler> named,
        CancellationToken cancellationToken) =>
        await HandlerProblemAsync(target, table, rule, cancellationToken).ConfigureAwait(false) is null
            ? HandlerRegistry.Create(table.HandlerName, HandlerOptions.Parse(table.HandlerOptions), named, new Apply.ApplyOptions())
            : null;

    /// <summary>
    /// Why the table's handler cannot apply it: an unknown name, or options that do not hold on the target any more (a dropped
    /// function, docs/decisions/ADR-019-handlers.md); null when it can.
    /// </summary>
    private static async Task<string?> HandlerProblemAsync(
        NpgsqlDataSource target, TableRuleRecord table, TableRule rule, CancellationToken cancellationToken)
    {
        if (HandlerRegistry.Kind(table.HandlerName) is not { } kind)
        {
            return HandlerRegistry.Unknown(table.HandlerName);
        }
        IReadOnlyDictionary<string, string> options;
        try
        {
            options = HandlerOptions.Parse(table.HandlerOptions);
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
        return await kind.ProblemAsync(target, rule, options, cancellationToken).ConfigureAwait(false) is { } problem
            ? $"The options of the table's handler {kind.Name} do not hold: {problem}. Change them (or fix the target), then retry the table."
            : null;
    }

    /// <summary>
    /// A table whose rule is not valid any more stops on the target too (state error), so that its events are kept until the
    /// fix and a retry instead of being passed over (docs/decisions/ADR-014-exact-row-encoding.md). A table not copied yet
    /// stays new: its copy will take every row.
    /// </summary>
    /// <returns>
    /// The message for the control database: the one the table stopped with when it was stopped on the target already (a drift
    /// stop names the change and the fix), else <paramref name="message"/>, with the retry it needs when it stops here.
    /// </returns>
    private static async Task<string> StopInvalidAsync(
        NpgsqlDataSource source, TargetStateStore store, TableRuleRecord table, string message, CancellationToken cancellationToken)
    {
        var name = await EventNames.OfAsync(source, new TableName(table.SourceSchema, table.SourceTable), cancellationToken)
            .ConfigureAwait(false);
        var row = (await store.GetTablesAsync(cancellationToken).ConfigureAwait(false)).SingleOrDefault(t => t.SourceTable == name);
        if (row is { State: TableState.Error, Error: { } kept })
        {
            return kept;
        }
        var stopped = $"{message} Then retry the table: its changes are kept on the target until then.";
        return await store.StopTableAsync(name, stopped, cancellationToken).ConfigureAwait(false) ? stopped : message;
    }

    /// <summary>Moves a table that will not be applied to error on the target, unless it is not there or its state forbids it.</summary>
    private static async Task StopTableAsync(
        TargetStateStore store, string sourceTable, string message, CancellationToken cancellationToken)
    {
        var state = (await store.GetTablesAsync(cancellationToken).ConfigureAwait(false))
            .SingleOrDefault(t => t.SourceTable == sourceTable)?.State;
        if (state is { } current && TableStateMachine.CanMove(current, TableState.Error))
        {
            await store.MoveTableAsync(sourceTable, TableState.Error, message, cancellationToken).ConfigureAwait(false);
        }
    }
}
