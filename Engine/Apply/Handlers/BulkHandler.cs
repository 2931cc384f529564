using System.Text;
using System.Text.Json;
using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Npgsql;
using NpgsqlTypes;

namespace Ferry.Engine.Apply.Handlers;

/// <summary>
/// The default handler. Folds a batch's events per table and key to the last state (upsert of the full row, or delete),
/// a truncate dropping what was folded before it; loads the folded rows with one binary COPY into a temporary staging
/// table; then applies each table with three set-based statements: empty (after a truncate), DELETE ... USING, and
/// INSERT ... ON CONFLICT DO UPDATE, the rows turned back into typed rows by <c>TargetTableSql.Populate</c>.
/// </summary>
/// <remarks>
/// Keys are compared by the JSON text of their values, which is exact for the values one source renders for one column.
/// Two spellings of one value (numeric 1.0 and 1.00) would fold apart; deletes then run before upserts, which is the right
/// order unless the upsert came first in the batch.
/// </remarks>
public sealed class BulkHandler(BulkApply apply = BulkApply.Upsert) : IHandler
{
    private const string StageSql =
        "CREATE TEMP TABLE IF NOT EXISTS ferry_stage (tbl int NOT NULL, del boolean NOT NULL, data text NOT NULL) ON COMMIT DELETE ROWS";

    public async Task<HandlerResult> ApplyAsync(HandlerTarget target, IAsyncEnumerable<ApplyEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(events);
        var replica = await ReplicaRole.TrySetAsync(target.Connection, target.Transaction, cancellationToken).ConfigureAwait(false);
        var tables = new Dictionary<string, FoldedTable>(StringComparer.Ordinal);
        var count = 0;
        await foreach (var item in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            count++;
            var e = item.Event;
            var rule = target.RuleFor(e);
            if (!tables.TryGetValue(rule.SourceTable, out var table))
            {
                table = new FoldedTable(rule, tables.Count);
                tables.Add(rule.SourceTable, table);
            }
            switch (e.Type)
            {
                case EventTypes.Truncate:
                    table.Truncated = true;
                    table.Rows.Clear();
                    break;
                case EventTypes.Insert or EventTypes.Update or EventTypes.Delete:
                    var data = e.Data ?? throw new ApplyException($"Event {e.Id} ({e.Type} on {e.Table}) carries no row data.", e, null);
                    table.Rows[KeyOf(rule, e, data)] = (e.Type == EventTypes.Delete || !item.InFilter, data);
                    break;
                default:
                    throw new ApplyException($"Event {e.Id} has type '{e.Type}', which the bulk handler does not apply.", e, null);
            }
        }
        if (tables.Count == 0)
        {
            return new HandlerResult(count, replica);
        }

        await ExecuteAsync(target, StageSql, null, cancellationToken).ConfigureAwait(false);
        await StageAsync(target, tables.Values, cancellationToken).ConfigureAwait(false);
        foreach (var table in tables.Values)
        {
            var rule = table.Rule;
            var rows = $"pg_temp.ferry_stage AS s CROSS JOIN LATERAL {TargetTableSql.Populate(rule, "s.data::json")}";
            try
            {
                if (table.Truncated)
                {
                    await TargetTableSql.EmptyAsync(target.Connection, target.Transaction, rule, cancellationToken).ConfigureAwait(false);
                }
                if (apply == BulkApply.Merge && target.Connection.PostgreSqlVersion.Major >= 15)
                {
                    if (table.Rows.Count > 0)
                    {
                        await ExecuteAsync(target, TargetTableSql.Merge(rule, rows, "s.tbl = $1", "s.del"), table.Index, cancellationToken)
                            .ConfigureAwait(false);
                    }
                    continue;
                }
                if (table.Deletes > 0)
                {
                    await ExecuteAsync(target, TargetTableSql.Delete(rule, rows) + " AND s.tbl = $1 AND s.del", table.Index, cancellationToken)
                        .ConfigureAwait(false);
                }
                if (table.Upserts > 0)
                {
                    await ExecuteAsync(target, UpsertFromStage(rule, rows), table.Index, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (PostgresException ex)
            {
                throw new ApplyException($"Applying the batch to target table {rule.Target} failed: {ex.MessageText}", null, ex);
            }
        }
        return new HandlerResult(count, replica);
    }

    private static string UpsertFromStage(TableRule rule, string rows)
    {
        // The WHERE goes between SELECT ... FROM and ON CONFLICT.
        var upsert = TargetTableSql.Upsert(rule, rows);
        var at = upsert.LastIndexOf("\nON CONFLICT", StringComparison.Ordinal);
        return upsert[..at] + " WHERE s.tbl = $1 AND NOT s.del" + upsert[at..];
    }

    private static async Task StageAsync(HandlerTarget target, IEnumerable<FoldedTable> tables, CancellationToken cancellationToken)
    {
        var importer = await target.Connection.BeginBinaryImportAsync(
            "COPY pg_temp.ferry_stage (tbl, del, data) FROM STDIN (FORMAT binary)", cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            foreach (var table in tables)
            {
                foreach (var (delete, data) in table.Rows.Values)
                {
                    await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(table.Index, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(delete, NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
                    await importer.WriteAsync(data, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                }
            }
            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ExecuteAsync(HandlerTarget target, string sql, int? table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, target.Connection, target.Transaction);
        if (table is { } index)
        {
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = index });
        }
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The key of the event's row: the JSON text of each key column's value.</summary>
    private static string KeyOf(TableRule rule, QueueEvent e, string data)
    {
        using var document = JsonDocument.Parse(data);
        if (rule.Key.Count == 1)
        {
            return Value(document.RootElement, rule.Key[0], e);
        }
        var key = new StringBuilder();
        foreach (var column in rule.Key)
        {
            var value = Value(document.RootElement, column, e);
            key.Append(value.Length).Append(':').Append(value);
        }
        return key.ToString();
    }

    private static string Value(JsonElement row, string column, QueueEvent e) =>
        row.TryGetProperty(column, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.GetRawText()
            : throw new ApplyException($"Event {e.Id} ({e.Type} on {e.Table}) has no value for key column \"{column}\".", e, null);

    private sealed class FoldedTable(TableRule rule, int index)
    {
        public TableRule Rule { get; } = rule;

        public int Index { get; } = index;

        public bool Truncated { get; set; }

        /// <summary>Last state per key: delete, or the full row to upsert.</summary>
        public Dictionary<string, (bool Delete, string Data)> Rows { get; } = new(StringComparer.Ordinal);

        public int Deletes => Rows.Values.Count(r => r.Delete);

        public int Upserts => Rows.Count - Deletes;
    }
}
