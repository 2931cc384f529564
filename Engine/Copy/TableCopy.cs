using System.Buffers;
using System.Diagnostics;
using Ferry.Engine.Apply;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Copy.Internal;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Sql;
using Ferry.Engine.Target;
using Npgsql;

namespace Ferry.Engine.Copy;

/// <summary>
/// The initial copy (or resync) of one table: source rows inside the filter stream with binary COPY straight into the
/// target, never held in memory, in one target transaction that first removes the table's target rows. The copy reads the
/// source in a REPEATABLE READ transaction and records that transaction's txid snapshot, so the event stream can take over
/// without gap or double apply (<see cref="CopyHandover"/>): events kept while the table was copying are replayed at the
/// end, in the same target transaction, when the snapshot did not see their transaction.
/// </summary>
/// <remarks>
/// Table states: the copy moves the table to <c>copying</c> in a transaction of its own first (from then on the apply loop
/// keeps the table's events), and to <c>catching-up</c> in its final commit. A copy that dies leaves <c>copying</c> and the
/// kept events; running it again starts over and replays them against its new snapshot.
/// </remarks>
public sealed class TableCopy(
    NpgsqlDataSource source, NpgsqlDataSource target, TargetStateStore store, IHandler handler, CopyOptions options)
{
    public async Task<CopyResult> CopyAsync(TableRule rule, IProgress<CopyProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var clock = Stopwatch.StartNew();
        await StartAsync(rule, cancellationToken).ConfigureAwait(false);

        await using var sourceConnection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var snapshotTransaction = await sourceConnection
            .BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        // READ ONLY: the row filter runs here, on the source (docs/decisions/ADR-009-row-filters.md).
        await FilterSql.ReadOnlyAsync(sourceConnection, snapshotTransaction, options.StatementTimeout, cancellationToken)
            .ConfigureAwait(false);
        TxidSnapshot snapshot;
        long estimated;
        bool partitioned;
        // The first statement of a REPEATABLE READ transaction takes its snapshot; txid_current_snapshot() reports that one
        // (pg_current_snapshot() is its name from PostgreSQL 13 on; the txid_ form also runs on 12).
        await using (var command = new NpgsqlCommand(
            "SELECT txid_current_snapshot()::text, greatest(c.reltuples, 0)::bigint, c.relkind = 'p' "
            + "FROM pg_class c WHERE c.oid = $1::regclass",
            sourceConnection, snapshotTransaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = rule.SourceTable });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            snapshot = TxidSnapshot.Parse(reader.GetString(0));
            estimated = reader.GetInt64(1);
            partitioned = reader.GetBoolean(2);
        }
        // Columns the rule does not know would be left out of the copy without a word: check them under a lock that keeps
        // DDL away until the copy ends (docs/decisions/ADR-014-exact-row-encoding.md).
        var (sourceColumns, moneyLocale) = await CopyDrift.CheckAsync(sourceConnection, snapshotTransaction, target, rule, cancellationToken)
            .ConfigureAwait(false);
        var text = await CopyDrift.NeedsTextAsync(sourceConnection, snapshotTransaction, rule, cancellationToken).ConfigureAwait(false);

        await using var targetConnection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await targetConnection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await FilterSql.StatementTimeoutAsync(targetConnection, transaction, options.StatementTimeout, cancellationToken)
            .ConfigureAwait(false);
        await ReplicaRole.TrySetAsync(targetConnection, transaction, cancellationToken).ConfigureAwait(false);
        if (text)
        {
            await ApplySession.PinAsync(sourceConnection, snapshotTransaction, "", cancellationToken).ConfigureAwait(false);
            await ApplySession.PinAsync(targetConnection, transaction, moneyLocale, cancellationToken).ConfigureAwait(false);
        }
        await ExecuteAsync(targetConnection, transaction, TargetTableSql.Empty(rule), cancellationToken).ConfigureAwait(false);
        // A merge's target table is read and written by the other sources meanwhile: its indexes stay (dropping one would lock
        // the table against readers until this copy commits; docs/decisions/ADR-021-merge.md).
        var indexes = estimated >= options.BuildIndexesAfterDataAbove && rule.OwnedRows is null
            ? await DropSecondaryIndexesAsync(targetConnection, transaction, rule, cancellationToken).ConfigureAwait(false)
            : [];

        var rows = await StreamAsync(sourceConnection, targetConnection, rule, partitioned, text, estimated, progress, cancellationToken)
            .ConfigureAwait(false);
        foreach (var index in indexes)
        {
            await ExecuteAsync(targetConnection, transaction, index, cancellationToken).ConfigureAwait(false);
        }

        // Lock the table's state row: the apply loop holds it FOR SHARE while it keeps events, so after this every kept
        // event is in ferry.pending_event, and the loop's next batch sees catching-up.
        await using (var lockRow = new NpgsqlCommand(
            "SELECT 1 FROM ferry.table_state WHERE subscription = $1 AND source_table = $2 FOR UPDATE", targetConnection, transaction))
        {
            lockRow.Parameters.Add(new NpgsqlParameter { Value = store.Subscription });
            lockRow.Parameters.Add(new NpgsqlParameter { Value = rule.SourceTable });
            await lockRow.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        // Kept events stream from the target a chunk at a time: a long copy under heavy writes keeps many.
        var replay = CopyDrift.PrepareAsync(
            store.TakePendingAsync(targetConnection, transaction, rule.SourceTable, cancellationToken)
                .Where(e => CopyHandover.Decide(TableState.CatchingUp, snapshot, e.Event.TxId) == HandoverAction.Apply),
            rule, sourceColumns, cancellationToken);
        await ApplySession.PinAsync(targetConnection, transaction, moneyLocale, cancellationToken).ConfigureAwait(false);
        var handlerTarget = new HandlerTarget(targetConnection, transaction, new Dictionary<string, TableRule> { [rule.SourceTable] = rule });
        var replayed = (await handler.ApplyAsync(handlerTarget, replay, cancellationToken).ConfigureAwait(false)).Events;
        await store.MoveTableAsync(targetConnection, transaction, rule.SourceTable, TableState.CatchingUp, snapshot, rows,
            cancellationToken: cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        await snapshotTransaction.RollbackAsync(cancellationToken).ConfigureAwait(false);

        progress?.Report(new CopyProgress(rule.SourceTable, rows, estimated, Done: true));
        return new CopyResult(rule.SourceTable, rows, snapshot, replayed, clock.Elapsed);
    }

    private async Task StartAsync(TableRule rule, CancellationToken cancellationToken)
    {
        await store.InstallAsync(cancellationToken).ConfigureAwait(false);
        await store.AddTableAsync(rule, cancellationToken).ConfigureAwait(false);
        await using var connection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var state = (await store.GetTablesAsync(connection, transaction, forShare: false, cancellationToken).ConfigureAwait(false))
            .Single(t => t.SourceTable == rule.SourceTable).State;
        // A copy that died left copying (and its kept events): start over from there.
        if (state != TableState.Copying)
        {
            await store.MoveTableAsync(connection, transaction, rule.SourceTable, TableState.Copying, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>
    /// Binary unless <paramref name="text"/>: the binary form of a composite value or of an array of a type created in the
    /// database carries that type's oid, which differs between source and target (see CopyDrift.NeedsTextAsync).
    /// </remarks>
    private async Task<long> StreamAsync(
        NpgsqlConnection sourceConnection, NpgsqlConnection targetConnection, TableRule rule, bool partitioned, bool text, long estimated,
        IProgress<CopyProgress>? progress, CancellationToken cancellationToken)
    {
        var columns = TargetTableSql.Columns(rule);
        string[] conditions = [.. new[]
        {
            rule.Filter is null ? null : FilterSql.Parenthesized(rule.Filter),
            // Each copied row of a merge is checked against the rule's owned rows: a row outside them could never be removed
            // again by this source's resync (docs/decisions/ADR-021-merge.md).
            OwnedRowsSql.Guard(rule, FilterSql.RowAlias(rule.Source), direct: true),
        }.OfType<string>()];
        var where = conditions.Length == 0 ? "" : " WHERE " + string.Join(" AND ", conditions);
        var from = (partitioned ? "" : "ONLY ") + rule.Source.Quoted + " AS " + FilterSql.RowAlias(rule.Source);
        if (text)
        {
            return await TextCopy.StreamAsync(sourceConnection, targetConnection, $"COPY (SELECT {columns} FROM {from}{where}) TO STDOUT",
                $"COPY {rule.Target.Quoted} ({columns}) FROM STDIN", count => ReportEvery(progress, rule, count, estimated),
                cancellationToken).ConfigureAwait(false);
        }
        var counter = new BinaryCopyRowCounter();
        var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
        try
        {
            await using var reader = await sourceConnection.BeginRawBinaryCopyAsync(
                $"COPY (SELECT {columns} FROM {from}{where}) TO STDOUT (FORMAT binary)", cancellationToken).ConfigureAwait(false);
            await using var writer = await targetConnection.BeginRawBinaryCopyAsync(
                $"COPY {rule.Target.Quoted} ({columns}) FROM STDIN (FORMAT binary)", cancellationToken).ConfigureAwait(false);
            var lastReport = Stopwatch.StartNew();
            try
            {
                int read;
                while ((read = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    counter.Feed(buffer.AsSpan(0, read));
                    await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    if (progress is not null && lastReport.Elapsed >= options.ProgressInterval)
                    {
                        progress.Report(new CopyProgress(rule.SourceTable, counter.Rows, estimated, Done: false));
                        lastReport.Restart();
                    }
                }
            }
            catch
            {
                await writer.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return counter.Rows;
    }

    private Action ReportEvery(IProgress<CopyProgress>? progress, TableRule rule, Func<long> rows, long estimated)
    {
        var lastReport = Stopwatch.StartNew();
        return () =>
        {
            if (progress is not null && lastReport.Elapsed >= options.ProgressInterval)
            {
                progress.Report(new CopyProgress(rule.SourceTable, rows(), estimated, Done: false));
                lastReport.Restart();
            }
        };
    }

    /// <summary>Drops the target's indexes that back no constraint; returns their definitions to build them again.</summary>
    private static async Task<List<string>> DropSecondaryIndexesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, TableRule rule, CancellationToken cancellationToken)
    {
        var indexes = new List<(string Schema, string Name, string Definition)>();
        await using (var command = new NpgsqlCommand("""
            SELECT n.nspname::text, c.relname::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            """, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = rule.Target.Quoted });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                indexes.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }
        foreach (var index in indexes)
        {
            await ExecuteAsync(connection, transaction, $"DROP INDEX {Identifiers.Quote(index.Schema, index.Name)}", cancellationToken)
                .ConfigureAwait(false);
        }
        return [.. indexes.Select(i => i.Definition)];
    }

    private static async Task ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
