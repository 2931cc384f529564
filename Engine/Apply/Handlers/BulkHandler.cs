using Ferry.Engine.Consumers;
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
/// <para>
/// Bounded memory: the fold holds at most <see cref="ApplyOptions.FoldRows"/> rows or <see cref="ApplyOptions.FoldBytes"/>
/// bytes. When it is full, that chunk is staged and written, the staging table emptied, and folding goes on with the next
/// events, all in the caller's one transaction: a later chunk's upsert, delete or truncate of a key simply runs after the
/// earlier chunk's, so the events' order is kept, and nothing commits before the whole batch is applied
/// (docs/architecture.md, "Bounded memory").
/// </para>
/// <para>
/// Keys are compared by the JSON text of their values, which is exact for the values one source renders for one column.
/// Two spellings of one value (numeric 1.0 and 1.00) would fold apart; deletes then run before upserts, which is the right
/// order unless the upsert came first in the chunk.
/// </para>
/// </remarks>
public sealed class BulkHandler(BulkApply apply = BulkApply.Upsert, ApplyOptions? options = null) : IHandler
{
    private const string StageSql =
        "CREATE TEMP TABLE IF NOT EXISTS ferry_stage (tbl int NOT NULL, del boolean NOT NULL, data text NOT NULL) ON COMMIT DELETE ROWS";

    // Below this many staged rows a DELETE empties the staging table faster than a TRUNCATE (which makes a new file).
    private const int TruncateStageFrom = 1000;

    private readonly ApplyOptions _limits = options ?? new ApplyOptions();

    public async Task<HandlerResult> ApplyAsync(HandlerTarget target, IAsyncEnumerable<ApplyEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(events);
        var replica = await ReplicaRole.TrySetAsync(target.Connection, target.Transaction, cancellationToken).ConfigureAwait(false);
        var fold = new BulkFold();
        var count = 0;
        var chunks = 0;
        await foreach (var item in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            count++;
            fold.Add(target.RuleFor(item.Event), item);
            if (fold.Rows >= _limits.FoldRows || fold.Bytes >= _limits.FoldBytes)
            {
                await WriteAsync(target, fold, first: chunks++ == 0, cancellationToken).ConfigureAwait(false);
                fold.Clear();
            }
        }
        if (!fold.IsEmpty)
        {
            await WriteAsync(target, fold, first: chunks++ == 0, cancellationToken).ConfigureAwait(false);
        }
        return new HandlerResult(count, replica, chunks);
    }

    /// <summary>Stages one chunk, writes it table by table, and leaves the staging table empty for the next.</summary>
    private async Task WriteAsync(HandlerTarget target, BulkFold fold, bool first, CancellationToken cancellationToken)
    {
        if (first)
        {
            await ExecuteAsync(target, StageSql, null, cancellationToken).ConfigureAwait(false);
        }
        if (fold.Rows > 0)
        {
            await StageAsync(target, fold.Tables, cancellationToken).ConfigureAwait(false);
        }
        foreach (var table in fold.Tables)
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
        if (fold.Rows > 0)
        {
            // The staging table empties itself at commit; within the transaction the next chunk (or a later call) needs it empty.
            await ExecuteAsync(target, fold.Rows >= TruncateStageFrom ? "TRUNCATE pg_temp.ferry_stage" : "DELETE FROM pg_temp.ferry_stage",
                null, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string UpsertFromStage(TableRule rule, string rows) => TargetTableSql.Upsert(rule, rows, "s.tbl = $1 AND NOT s.del");

    private static async Task StageAsync(HandlerTarget target, IEnumerable<BulkFold.FoldedTable> tables, CancellationToken cancellationToken)
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
}
