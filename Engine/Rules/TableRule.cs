namespace Ferry.Engine.Rules;

/// <summary>
/// A validated table rule: which source table goes to which target table, over which columns, with which key and row
/// filter. Produced by <see cref="TableRuleValidator"/>; handlers and copies trust it.
/// </summary>
/// <param name="SourceTable">
/// The source table as events name it (<c>QueueEvent.Table</c>): <c>quote_ident(schema).quote_ident(name)</c>.
/// </param>
/// <param name="Source">Source schema and table.</param>
/// <param name="Target">Target schema and table.</param>
/// <param name="Columns">The replicated columns (the source's non-generated columns, in source order).</param>
/// <param name="Key">The key columns, in index order; a subset of <paramref name="Columns"/>.</param>
/// <param name="Filter">The row filter (SQL boolean expression over the columns), or null for all rows.</param>
/// <param name="AddMissingColumns">
/// A column added to the source table is added to the target table by Ferry (with the value existing source rows took),
/// instead of stopping the table until the operator adds it (docs/decisions/ADR-014-exact-row-encoding.md).
/// </param>
/// <param name="OwnedRows">
/// For a rule of a merge (several sets writing one target table): a SQL boolean expression over the target row that holds
/// for exactly the rows this rule writes, such as <c>hashtext(userid::text) &amp; 3 = 1</c>. A copy or a truncate then
/// deletes only these rows, never the whole table, and a row outside it stops the table (docs/decisions/ADR-021-merge.md).
/// Null: the rule owns the whole target table (or, with a filter, the filter's rows).
/// </param>
public sealed record TableRule(
    string SourceTable, TableName Source, TableName Target, IReadOnlyList<ColumnDefinition> Columns, IReadOnlyList<string> Key,
    string? Filter, bool AddMissingColumns = false, string? OwnedRows = null)
{
    /// <summary>Whether a key column is among the columns (used by handlers to build their statements).</summary>
    public bool IsKey(string column) => Key.Contains(column, StringComparer.Ordinal);
}
