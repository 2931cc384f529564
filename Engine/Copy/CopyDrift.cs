using Ferry.Engine.Apply;
using Ferry.Engine.Drift;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Npgsql;

namespace Ferry.Engine.Copy;

/// <summary>The schema drift check of a copy (docs/decisions/ADR-008-exact-row-encoding.md).</summary>
internal static class CopyDrift
{
    /// <summary>
    /// Locks the source table (ACCESS SHARE, in the copy's snapshot transaction: no DDL until the copy ends) and checks that its
    /// columns are the rule's; throws a stopping <see cref="DriftException"/> when not. Returns the source's columns and its
    /// <c>lc_monetary</c> when the table has a money column (kept events are read back in it), else an empty string.
    /// </summary>
    public static async Task<(IReadOnlyList<LiveColumn> Columns, string MoneyLocale)> CheckAsync(
        NpgsqlConnection source, NpgsqlTransaction transaction, NpgsqlDataSource target, TableRule rule, CancellationToken cancellationToken)
    {
        await using (var lockTable = new NpgsqlCommand($"LOCK TABLE {rule.Source.Quoted} IN ACCESS SHARE MODE", source, transaction))
        {
            await lockTable.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var columns = (await LiveColumns.ReadAsync(source, [rule.SourceTable], cancellationToken).ConfigureAwait(false))
            .GetValueOrDefault(rule.SourceTable) ?? [];
        var targetColumns = (await LiveColumns.ReadAsync(target, [rule.Target.Quoted], cancellationToken).ConfigureAwait(false))
            .GetValueOrDefault(rule.Target.Quoted) ?? [];
        if (DriftCheck.CompareShape(rule, columns, targetColumns) is { } drift)
        {
            throw drift.Stop
                ? drift
                : new DriftException(rule.SourceTable, stop: true,
                    $"The columns of source table {rule.Source} changed since its rule was built; the copy starts again when the "
                    + "table is retried.");
        }
        if (!rule.Columns.Any(c => c.TypeName == "pg_catalog.money"))
        {
            return (columns, "");
        }
        await using var command = new NpgsqlCommand("SELECT current_setting('lc_monetary')", source, transaction);
        return (columns, (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!);
    }

    /// <summary>Kept events as they must be replayed: checked against the source's columns, lacking values added (see DriftCheck).</summary>
    public static List<ApplyEvent> Prepare(IEnumerable<ApplyEvent> events, TableRule rule, IReadOnlyList<LiveColumn> columns)
    {
        var prepared = new List<ApplyEvent>();
        foreach (var item in events)
        {
            var e = item.Event;
            if (e.Data is null || e.Type is not (EventTypes.Insert or EventTypes.Update or EventTypes.Delete))
            {
                prepared.Add(item);
                continue;
            }
            var fills = DriftCheck.CheckEvent(rule, e, e.Columns ?? EventRow.Names(e.Data), columns);
            prepared.Add(fills.Count == 0 || !EventRow.IsTextRow(e.Data)
                ? item
                : item with { Event = e with { Data = EventRow.Append(e.Data, fills), Columns = null } });
        }
        return prepared;
    }
}
