using System.Reflection;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Npgsql;

namespace Ferry.Engine.Target;

/// <summary>Taking a table out of error (a retry), optionally without one kept event (a skip).</summary>
public sealed partial class TargetStateStore
{
    /// <summary>
    /// Takes a table out of state error after its cause was fixed: back to catching-up, keeping its copy's snapshot, when it had
    /// been copied (the events kept since it stopped are replayed by the apply loop, docs/decisions/ADR-014-exact-row-encoding.md);
    /// to copying when its copy never finished (a resync). Returns the new state, or null when the table is not in error.
    /// </summary>
    public Task<TableState?> RetryTableAsync(string sourceTable, CancellationToken cancellationToken = default) =>
        RetryTableAsync(sourceTable, null, cancellationToken);

    /// <summary>
    /// <see cref="RetryTableAsync(string, CancellationToken)"/>, and in the same transaction deletes the one kept event
    /// <paramref name="skipEventId"/> of the table, so that the replay applies every kept event but that one
    /// (docs/decisions/ADR-017-error-history.md).
    /// </summary>
    /// <exception cref="InvalidOperationException">The table is in error but does not keep that event; nothing changed.</exception>
    public async Task<TableState?> RetryTableAsync(string sourceTable, long? skipEventId, CancellationToken cancellationToken)
    {
        await using var connection = await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Waits for an apply transaction that holds the row (FOR SHARE) and keeps the next one out until this commits: a skip
        // never races a replay or another retry of the same table.
        await using (var lockRow = new NpgsqlCommand(
            "SELECT 1 FROM ferry.table_state WHERE subscription = $1 AND source_table = $2 FOR UPDATE", connection, transaction))
        {
            lockRow.Parameters.Add(new NpgsqlParameter { Value = subscription });
            lockRow.Parameters.Add(new NpgsqlParameter { Value = sourceTable });
            await lockRow.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var row = (await GetTablesAsync(connection, transaction, forShare: false, cancellationToken).ConfigureAwait(false))
            .SingleOrDefault(t => t.SourceTable == sourceTable);
        if (row is not { State: TableState.Error })
        {
            return null;
        }
        if (skipEventId is { } skip)
        {
            await using var delete = new NpgsqlCommand(
                "DELETE FROM ferry.pending_event WHERE subscription = $1 AND source_table = $2 AND event_id = $3", connection, transaction);
            delete.Parameters.Add(new NpgsqlParameter { Value = subscription });
            delete.Parameters.Add(new NpgsqlParameter { Value = sourceTable });
            delete.Parameters.Add(new NpgsqlParameter { Value = skip });
            if (await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                throw new InvalidOperationException(
                    $"{sourceTable} does not keep event {skip} on the target: it was applied, skipped or resynced already.");
            }
        }
        var to = row.CopySnapshot is null ? TableState.Copying : TableState.CatchingUp;
        await MoveTableAsync(connection, transaction, sourceTable, to, row.CopySnapshot, row.RowsCopied, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return to;
    }
}
