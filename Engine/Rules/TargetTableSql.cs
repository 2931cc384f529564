using Ferry.Engine.Sql;
using Npgsql;

namespace Ferry.Engine.Rules;

/// <summary>
/// The statements handlers (<c>Apply/Handlers</c>) and copies (<c>Copy</c>) run on a rule's target table. It lives with the
/// rule because it is derived from the validated rule alone (target name, columns, key, filter) and trusts it. Rows arrive
/// as text rows (each value its type's output text, see <see cref="Queue.EventRow"/> and
/// docs/decisions/ADR-014-exact-row-encoding.md) and become typed rows with <see cref="Populate(TableRule, string)"/>, so the
/// values convert on the server exactly as the target's column types say. <c>rows</c> arguments are FROM items that yield a
/// row alias <c>r</c>.
/// </summary>
public static class TargetTableSql
{
    /// <summary>The rule's columns, quoted, comma-separated; each prefixed with <paramref name="alias"/> when given.</summary>
    public static string Columns(TableRule rule, string? alias = null) =>
        string.Join(", ", rule.Columns.Select(c => (alias is null ? "" : alias + ".") + Identifiers.Quote(c.Name)));

    /// <summary>JSON text to a typed row <c>r</c>: <paramref name="json"/> is an SQL expression of type json.</summary>
    public static string Populate(TableRule rule, string json) => Populate(rule.Target.Quoted, rule.Columns, json, "r");

    /// <summary>
    /// An event's row (a text row or a legacy <c>row_to_json</c> object, see <see cref="Queue.EventRow"/>) as a typed row of
    /// <paramref name="table"/> named <paramref name="alias"/> with <paramref name="columns"/>: <c>json_populate_record</c>
    /// reads every value through its type's input function, except that <c>json</c> and <c>jsonb</c> columns of a text row are
    /// cast from the string's content (populate would keep them a JSON string, and reads a JSON null as SQL NULL).
    /// </summary>
    public static string Populate(string table, IReadOnlyList<ColumnDefinition> columns, string json, string alias)
    {
        if (columns.All(c => c.JsonType is null))
        {
            return $"json_populate_record(NULL::{table}, {json}) AS {alias}";
        }
        var select = string.Join(", ", columns.Select(c => c.JsonType is null
            ? "p." + Identifiers.Quote(c.Name)
            : $"CASE WHEN ({json}) ->> '' IS NULL THEN p.{Identifiers.Quote(c.Name)} "
              + $"ELSE (({json}) ->> {Literal(c.Name)})::{c.JsonType} END AS {Identifiers.Quote(c.Name)}"));
        return $"(SELECT {select} FROM json_populate_record(NULL::{table}, {json}) AS p) AS {alias}";
    }

    /// <summary>A string literal (standard_conforming_strings, on since PostgreSQL 9.1).</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// Insert the rows (those <paramref name="where"/> selects, when given), or update every non-key column of the row with
    /// the same key. A rule of a merge checks each row against its owned rows (<see cref="OwnedRowsSql.Guard"/>).
    /// </summary>
    public static string Upsert(TableRule rule, string rows, string? where = null)
    {
        ArgumentNullException.ThrowIfNull(rule);
        string[] conditions = [.. new[] { where, OwnedRowsSql.Guard(rule, "r", direct: false) }.OfType<string>()];
        var selected = conditions.Length == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
        var updates = rule.Columns.Where(c => !rule.IsKey(c.Name))
            .Select(c => $"{Identifiers.Quote(c.Name)} = EXCLUDED.{Identifiers.Quote(c.Name)}")
            .ToList();
        var action = updates.Count == 0 ? "DO NOTHING" : "DO UPDATE SET " + string.Join(", ", updates);
        return $"""
            INSERT INTO {rule.Target.Quoted} AS t ({Columns(rule)})
            SELECT {Columns(rule, "r")} FROM {rows}{selected}
            ON CONFLICT ({string.Join(", ", rule.Key.Select(Identifiers.Quote))}) {action}
            """;
    }

    /// <summary>Delete the rows with the keys of the given rows.</summary>
    public static string Delete(TableRule rule, string rows)
    {
        var match = string.Join(" AND ", rule.Key.Select(k => $"t.{Identifiers.Quote(k)} = r.{Identifiers.Quote(k)}"));
        return $"DELETE FROM {rule.Target.Quoted} AS t USING {rows} WHERE {match}";
    }

    /// <summary>
    /// One MERGE (PostgreSQL 15+) for deletes and upserts: <paramref name="delete"/> is a boolean SQL expression over the
    /// FROM items that marks the rows to delete, <paramref name="where"/> selects the rows.
    /// </summary>
    public static string Merge(TableRule rule, string rows, string where, string delete)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (OwnedRowsSql.Guard(rule, "r", direct: false) is { } guard)
        {
            where = $"({where}) AND (({delete}) OR {guard})";
        }
        var match = string.Join(" AND ", rule.Key.Select(k => $"t.{Identifiers.Quote(k)} = d.{Identifiers.Quote(k)}"));
        var updates = rule.Columns.Where(c => !rule.IsKey(c.Name))
            .Select(c => $"{Identifiers.Quote(c.Name)} = d.{Identifiers.Quote(c.Name)}")
            .ToList();
        var update = updates.Count == 0 ? "" : $"WHEN MATCHED THEN UPDATE SET {string.Join(", ", updates)}\n";
        return $"""
            MERGE INTO {rule.Target.Quoted} AS t
            USING (SELECT {Columns(rule, "r")}, {delete} AS ferry_delete FROM {rows} WHERE {where}) AS d ON {match}
            WHEN MATCHED AND d.ferry_delete THEN DELETE
            {update}WHEN NOT MATCHED AND NOT d.ferry_delete THEN INSERT ({Columns(rule)}) VALUES ({Columns(rule, "d")})
            """;
    }

    /// <summary>
    /// Empty the target table: all of it, or only the rows inside the filter when the rule has one, or only the rule's owned
    /// rows (inside its filter) when it is part of a merge: never a TRUNCATE of a table other sources write
    /// (docs/decisions/ADR-021-merge.md).
    /// </summary>
    public static string Empty(TableRule rule) => rule.OwnedRows is not null
        ? OwnedRowsSql.Delete(rule)
        : rule.Filter is null
            ? $"TRUNCATE {rule.Target.Quoted}"
            : $"DELETE FROM {rule.Target.Quoted} AS {FilterSql.RowAlias(rule.Source)} WHERE {FilterSql.Parenthesized(rule.Filter)}";

    /// <summary>
    /// Runs <see cref="Empty"/>; the DELETE of a filtered rule runs its filter on the target, under
    /// <see cref="FilterSql.TargetDeleteTimeout"/>.
    /// </summary>
    public static async Task EmptyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TableRule rule, CancellationToken cancellationToken)
    {
        if (rule.Filter is not null || rule.OwnedRows is not null)
        {
            await FilterSql.ExecuteWithTimeoutAsync(connection, transaction, Empty(rule), FilterSql.TargetDeleteTimeout, cancellationToken)
                .ConfigureAwait(false);
            return;
        }
        await using var command = new NpgsqlCommand(Empty(rule), connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
