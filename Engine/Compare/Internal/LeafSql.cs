using Ferry.Engine.Rules;
using Ferry.Engine.Sql;

namespace Ferry.Engine.Compare.Internal;

/// <summary>
/// The row-by-row step on the target: the source's keys and row hashes of a small range go to the target as arrays, and the
/// target answers with the rows that differ only: extra rows with their columns, changed rows with their columns, and the
/// positions of the source rows it lacks. Rows that are equal never leave the target.
/// </summary>
internal static class LeafSql
{
    /// <summary>
    /// Parameters: $1/$2 the range (as <see cref="TableSide"/>), $3.. one text[] per key column, then the row hashes (bigint[]).
    /// Columns: source position (null for an extra row), key texts, column texts (null when missing on the target).
    /// </summary>
    public static string Differences(TableRule rule, TableSide target, string targetRange)
    {
        var names = rule.Key.Select((_, i) => "k" + i).ToArray();
        var byName = rule.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var arrays = string.Join(", ", names.Select((_, i) => $"${i + 3}::text[]")) + $", ${rule.Key.Count + 3}::bigint[]";
        var match = string.Join(" AND ", rule.Key.Select((k, i) => $"t.{Identifiers.Quote(k)} = s.{names[i]}::{byName[k].Type}"));
        var first = "t." + Identifiers.Quote(rule.Key[0]);
        return $"""
            SELECT s.i, {target.KeyText}, CASE WHEN {first} IS NULL THEN NULL ELSE {target.ColumnTexts} END
            FROM (SELECT * FROM unnest({arrays}) WITH ORDINALITY AS u({string.Join(", ", names)}, h, i)) AS s
            FULL JOIN ({targetRange}) AS t ON {match}
            WHERE s.i IS NULL OR {first} IS NULL OR {target.RowHash} <> s.h
            """;
    }
}
