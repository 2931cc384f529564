using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Sql;

namespace Ferry.Engine.Drift;

/// <summary>
/// The rules of schema drift (docs/decisions/ADR-014-exact-row-encoding.md): how a table's rule, the source's columns now,
/// the target's columns and an event's columns must agree for the event to be applied exactly. Pure functions; the catalog
/// reads are <see cref="DriftWatch"/>'s.
/// </summary>
public static class DriftCheck
{
    /// <summary>
    /// Compares the rule with the source's columns now. Null when they agree; else what to do: stop the table (with the fix
    /// in the message), or build the rules again (the target already fits, or the rule adds missing columns: the DDL to run).
    /// </summary>
    public static DriftException? CompareShape(
        TableRule rule, IReadOnlyList<LiveColumn> source, IReadOnlyList<LiveColumn> target)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var now = source.Where(c => !c.Generated).ToDictionary(c => c.Name, StringComparer.Ordinal);
        var onTarget = target.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var replicated = rule.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        var ddl = new List<string>();
        var rebuild = false;
        foreach (var column in source.Where(c => !c.Generated && !replicated.ContainsKey(c.Name)))
        {
            if (onTarget.ContainsKey(column.Name))
            {
                rebuild = true;
            }
            else if (rule.AddMissingColumns)
            {
                ddl.AddRange(AddColumn(rule.Target, column));
                rebuild = true;
            }
            else
            {
                problems.Add($"column {Identifiers.Quote(column.Name)} ({column.Type}) was added to the source table and the target "
                    + $"table has no such column: add it there ({string.Join("; ", AddColumn(rule.Target, column))})");
            }
        }
        foreach (var column in rule.Columns.Where(c => !now.ContainsKey(c.Name)))
        {
            if (!onTarget.ContainsKey(column.Name))
            {
                rebuild = true;
            }
            else
            {
                problems.Add($"column {Identifiers.Quote(column.Name)} was dropped from (or renamed in) the source table: drop it on the "
                    + $"target too (ALTER TABLE {rule.Target.Quoted} DROP COLUMN {Identifiers.Quote(column.Name)}), rename it there "
                    + "like on the source, or keep it (Ferry then leaves it alone: it must allow NULL or have a default)");
            }
        }
        foreach (var column in rule.Columns)
        {
            if (now.TryGetValue(column.Name, out var current) && current.Type != column.Type)
            {
                if (onTarget.TryGetValue(column.Name, out var there) && there.Type == current.Type)
                {
                    rebuild = true;
                }
                else
                {
                    problems.Add($"column {Identifiers.Quote(column.Name)} changed type on the source from {column.Type} to "
                        + $"{current.Type}: change it on the target too (ALTER TABLE {rule.Target.Quoted} ALTER COLUMN "
                        + $"{Identifiers.Quote(column.Name)} TYPE {current.Type})");
                }
            }
        }
        if (problems.Count > 0)
        {
            return new DriftException(rule.SourceTable, stop: true, StopMessage(rule, problems));
        }
        return rebuild ? new DriftException(rule.SourceTable, stop: false, $"Table {rule.Source} changed shape; rules are built again.", ddl) : null;
    }

    /// <summary>
    /// Checks the columns of one insert, update or delete against the rule and the source's columns now. Returns the members
    /// to add to the event's row (a column it lacks because it was added on the source after the event was written: the value
    /// rows had when it was added), or throws a stopping <see cref="DriftException"/> when the event cannot be applied exactly.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> CheckEvent(
        TableRule rule, QueueEvent e, IReadOnlyList<string> names, IReadOnlyList<LiveColumn> source)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(source);
        var carried = names.ToHashSet(StringComparer.Ordinal);
        var bySource = source.ToDictionary(c => c.Name, StringComparer.Ordinal);
        if (e.Type == EventTypes.Delete)
        {
            var lacking = rule.Key.Where(k => !carried.Contains(k)).ToList();
            if (lacking.Count > 0)
            {
                throw new DriftException(rule.SourceTable, stop: true, StopMessage(rule,
                    [$"delete event {e.Id} carries no key column {List(lacking)} (the source's key changed since it was written): "
                     + "resync the table"]));
            }
            return [];
        }
        var replicated = rule.Columns.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        // Names the rule does not write: generated on the source, or gone from it (values nobody keeps) are passed over; a
        // column the source has now is an added one, which CompareShape handles before any event is checked.
        var gone = names.Where(n => !replicated.Contains(n) && !bySource.ContainsKey(n)).ToList();
        var added = names.Where(n => !replicated.Contains(n) && bySource.TryGetValue(n, out var c) && !c.Generated).ToList();
        if (added.Count > 0)
        {
            throw new DriftException(rule.SourceTable, stop: true, StopMessage(rule,
                [$"event {e.Id} carries column(s) {List(added)} that the rule does not replicate yet: retry the table"]));
        }
        var missing = rule.Columns.Where(c => !carried.Contains(c.Name)).ToList();
        if (missing.Count == 0)
        {
            return [];
        }
        var dropped = missing.Where(c => !bySource.ContainsKey(c.Name)).Select(c => c.Name).ToList();
        if (dropped.Count > 0)
        {
            throw new DriftException(rule.SourceTable, stop: true, StopMessage(rule,
                [$"event {e.Id} has no column {List(dropped)}: it was dropped from (or renamed in) the source table; drop it on the "
                 + "target too, rename it there like on the source, or keep it (Ferry then leaves it alone), then retry the table"]));
        }
        if (gone.Count > 0)
        {
            throw new DriftException(rule.SourceTable, stop: true, StopMessage(rule,
                [$"event {e.Id} has column(s) {List(gone)}, which the source table no longer has, and lacks {List(missing.Select(c => c.Name))}, "
                 + "which it has: a column may have been renamed after the event was written, and Ferry cannot tell which value goes "
                 + "where; resync the table"]));
        }
        var fills = new List<KeyValuePair<string, string?>>();
        foreach (var column in missing)
        {
            var now = bySource[column.Name];
            if (!now.HasMissing && now.HasDefault)
            {
                throw new DriftException(rule.SourceTable, stop: true, StopMessage(rule,
                    [$"event {e.Id} was written before column {Identifiers.Quote(column.Name)} was added to the source table, and "
                     + "the value that column took in existing rows is not known (it was added with a volatile default, or its default "
                     + "came later): resync the table"]));
            }
            fills.Add(new KeyValuePair<string, string?>(column.Name, now.HasMissing ? now.MissingValue : null));
        }
        return fills;
    }

    /// <summary>The statements that add a source column to the target with the value existing source rows have for it.</summary>
    public static IReadOnlyList<string> AddColumn(TableName target, LiveColumn column)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(column);
        var name = Identifiers.Quote(column.Name);
        var add = $"ALTER TABLE {target.Quoted} ADD COLUMN {name} {column.Type}";
        if (!column.HasMissing || column.MissingValue is null)
        {
            return [add];
        }
        // A constant default fills the rows the target has (as on the source), then goes: replicated rows carry their values.
        return [$"{add} DEFAULT {Literal(column.MissingValue)}::{column.Type}", $"ALTER TABLE {target.Quoted} ALTER COLUMN {name} DROP DEFAULT"];
    }

    private static string StopMessage(TableRule rule, IEnumerable<string> problems) =>
        $"Ferry stopped applying {rule.Source} to {rule.Target}: {string.Join("; ", problems)}. Then retry the table: its changes "
        + "are kept on the target until then, and applied first.";

    private static string List(IEnumerable<string> names) => string.Join(", ", names.Select(Identifiers.Quote));

    private static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
