namespace Ferry.Engine.Rules;

/// <summary>
/// The SQL a merge's owned rows (<see cref="TableRule.OwnedRows"/>) run as: the condition spliced like a row filter
/// (<see cref="FilterSql.Parenthesized"/>, over a row named <see cref="FilterSql.RowAlias(TableName)"/>), and the guard that
/// stops a copy or a batch at the first row outside them, naming the row (docs/decisions/ADR-021-merge.md).
/// </summary>
public static class OwnedRowsSql
{
    /// <summary>The words every guard failure starts with, so callers and tests can recognise it.</summary>
    public const string Refusal = "Ferry: a row outside the owned rows of its merge rule";

    /// <summary>
    /// A boolean expression that is true when the row <paramref name="rowAlias"/> (a FROM item of the query, of the rule's
    /// columns) is among the rule's owned rows, and otherwise fails the statement with an error that shows the row. Null when
    /// the rule owns the whole table.
    /// </summary>
    /// <param name="direct">
    /// True when <paramref name="rowAlias"/> already is <see cref="FilterSql.RowAlias(TableName)"/> (the copy's source scan);
    /// false for a row of another name (<c>r</c> in the handlers), which the condition then sees through a subquery.
    /// </param>
    /// <remarks>
    /// The error is a failed cast of a text that depends on the row: a constant would be cast (and fail) when the statement is
    /// planned, whatever the rows.
    /// </remarks>
    public static string? Guard(TableRule rule, string rowAlias, bool direct)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (rule.OwnedRows is null)
        {
            return null;
        }
        var owned = FilterSql.Parenthesized(rule.OwnedRows);
        var test = direct
            ? owned
            : $"EXISTS (SELECT FROM (SELECT {rowAlias}.*) AS {FilterSql.RowAlias(rule.Source)} WHERE {owned})";
        var message = TargetTableSql.Literal(
            $"{Refusal} for {rule.Target}: the row from {rule.Source} does not satisfy them; fix the source row or the "
            + "merge's owned rows, then resync the table. Row: ");
        return $"CASE WHEN {test} THEN true ELSE ({message} || {rowAlias}::text)::boolean END";
    }

    /// <summary>Deletes the rule's owned rows (inside its filter, when it has one) from the target table.</summary>
    public static string Delete(TableRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var alias = FilterSql.RowAlias(rule.Source);
        var where = FilterSql.Parenthesized(rule.OwnedRows ?? "true");
        if (rule.Filter is not null)
        {
            where += " AND " + FilterSql.Parenthesized(rule.Filter);
        }
        return $"DELETE FROM {rule.Target.Quoted} AS {alias} WHERE {where}";
    }
}
