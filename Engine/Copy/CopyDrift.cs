using System.Runtime.CompilerServices;
using Ferry.Engine.Consumers;
using Ferry.Engine.Drift;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Npgsql;

namespace Ferry.Engine.Copy;

/// <summary>The schema drift check of a copy (docs/decisions/ADR-014-exact-row-encoding.md).</summary>
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

    /// <summary>
    /// Whether the table must be copied in text form: when a column (through domains) is of a composite type or an array of a
    /// type created in the database (or of a domain), whose binary form names that type by its oid, which the target's
    /// differs from ("wrong element type"). Text goes through each type's output and input functions, as exact as binary.
    /// </summary>
    public static async Task<bool> NeedsTextAsync(
        NpgsqlConnection source, NpgsqlTransaction transaction, TableRule rule, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(TextColumnsSql, source, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = rule.SourceTable });
        command.Parameters.Add(new NpgsqlParameter { Value = rule.Columns.Select(c => c.Name).ToArray() });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private const string TextColumnsSql = """
        SELECT EXISTS (
            SELECT 1
            FROM pg_attribute a
            CROSS JOIN LATERAL (WITH RECURSIVE d(tid) AS (SELECT a.atttypid
                                                        UNION ALL
                                                        SELECT t.typbasetype FROM pg_type t JOIN d ON t.oid = d.tid WHERE t.typtype = 'd')
                                SELECT d.tid FROM d JOIN pg_type t ON t.oid = d.tid WHERE t.typtype <> 'd') AS b
            JOIN pg_type bt ON bt.oid = b.tid
            LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typlen = -1
            WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attname = ANY ($2)
              AND (bt.typtype = 'c' OR et.oid >= 16384 OR et.typtype IN ('c', 'd')))
        """;

    /// <summary>
    /// Kept events as they must be replayed: checked against the source's columns, lacking values added (see DriftCheck); one
    /// at a time as they stream (docs/architecture.md, "Bounded memory").
    /// </summary>
    public static async IAsyncEnumerable<ApplyEvent> PrepareAsync(
        IAsyncEnumerable<ApplyEvent> events, TableRule rule, IReadOnlyList<LiveColumn> columns,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var e = item.Event;
            if (e.Data is null || e.Type is not (EventTypes.Insert or EventTypes.Update or EventTypes.Delete))
            {
                yield return item;
                continue;
            }
            var fills = DriftCheck.CheckEvent(rule, e, e.Columns ?? EventRow.Names(e.Data), columns);
            yield return fills.Count == 0 || !EventRow.IsTextRow(e.Data)
                ? item
                : item with { Event = e with { Data = EventRow.Append(e.Data, fills), Columns = null } };
        }
    }
}
