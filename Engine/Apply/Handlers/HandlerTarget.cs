using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Npgsql;

namespace Ferry.Engine.Apply.Handlers;

/// <summary>Where a handler writes: the target connection, the apply transaction, and the rules by source table.</summary>
/// <param name="Rules">Table rules keyed by <see cref="TableRule.SourceTable"/> (the name events carry).</param>
public sealed record HandlerTarget(NpgsqlConnection Connection, NpgsqlTransaction Transaction, IReadOnlyDictionary<string, TableRule> Rules)
{
    public TableRule RuleFor(QueueEvent e) =>
        e.Table is not null && Rules.TryGetValue(e.Table, out var rule)
            ? rule
            : throw new ApplyException($"Event {e.Id} is for table {e.Table ?? "(none)"}, which has no rule in this subscription.", e, null);
}
