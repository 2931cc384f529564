using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Control;
using Ferry.Engine.Drift;
using Ferry.Engine.Rules;
using Npgsql;

namespace Ferry.Engine.Replication.Internal;

/// <summary>Turns a stored table rule into the validated rule the apply loop and copies need.</summary>
internal static class TableRuleBuilder
{
    /// <summary>
    /// Validates the stored rule against source and target again (columns are read again from the source, so a column added
    /// since is replicated too, and added to the target first when the rule says so or <paramref name="addMissingColumns"/>,
    /// the engine-wide setting, does, docs/decisions/ADR-014-exact-row-encoding.md); the stored key wins.
    /// </summary>
    /// <exception cref="TableRuleException">The rule does not hold any more; the message says what to fix.</exception>
    public static async Task<TableRule> BuildAsync(
        NpgsqlDataSource source, NpgsqlDataSource target, TableRuleRecord table, bool addMissingColumns,
        CancellationToken cancellationToken, bool ddlPending = false)
    {
        addMissingColumns = (addMissingColumns || table.AddMissingColumns) && !ddlPending;
        if (addMissingColumns)
        {
            await TargetColumns.AddMissingAsync(source, target, new TableName(table.SourceSchema, table.SourceTable),
                new TableName(table.TargetSchema, table.TargetTable), cancellationToken).ConfigureAwait(false);
        }
        var rule = await BuildAsync(source, target, table, ddlPending, cancellationToken).ConfigureAwait(false);
        return addMissingColumns ? rule with { AddMissingColumns = true } : rule;
    }

    private static async Task<TableRule> BuildAsync(
        NpgsqlDataSource source, NpgsqlDataSource target, TableRuleRecord table, bool ddlPending, CancellationToken cancellationToken)
    {
        var sourceName = new TableName(table.SourceSchema, table.SourceTable);
        var targetName = new TableName(table.TargetSchema, table.TargetTable);
        // A handler that only inserts takes a keyless table (docs/decisions/ADR-019-handlers.md).
        var keyless = HandlerRegistry.Kind(table.HandlerName) is { NeedsKey: false };
        try
        {
            var rule = await TableRuleValidator.ValidateAsync(source, target, new TableRuleRequest(sourceName, targetName, table.Filter, TargetShape: ddlPending, OwnedRows: table.OwnedRows,
                KeylessAllowed: keyless),
                cancellationToken).ConfigureAwait(false);
            if (table.KeyColumns.Count == 0 || rule.Key.SequenceEqual(table.KeyColumns, StringComparer.Ordinal))
            {
                return rule;
            }
        }
        catch (TableRuleException) when (table.KeyColumns.Count > 0)
        {
            // No primary key: the stored key is one of its unique indexes, found below.
        }
        var index = await KeyIndexAsync(source, sourceName, table.KeyColumns, cancellationToken).ConfigureAwait(false)
            ?? throw new TableRuleException(
                $"The source table {sourceName} has no unique index on the key ({string.Join(", ", table.KeyColumns)}) any more: "
                + "give it back, or remove the table and add it again.");
        return await TableRuleValidator.ValidateAsync(source, target, new TableRuleRequest(sourceName, targetName, table.Filter, index, TargetShape: ddlPending, OwnedRows: table.OwnedRows),
            cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string?> KeyIndexAsync(
        NpgsqlDataSource source, TableName table, IReadOnlyList<string> key, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand("""
            SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = $1::regclass AND i.indisunique
              AND (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) = $2::text[]
            ORDER BY i.indisprimary DESC, c.relname LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = table.Quoted });
        command.Parameters.Add(new NpgsqlParameter { Value = key.ToArray() });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }
}
