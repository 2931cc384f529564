using System.Runtime.CompilerServices;
using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Npgsql;

namespace Ferry.Engine.Target;

/// <summary>
/// The events a target keeps for a table instead of applying them (<c>ferry.pending_event</c>): while its copy runs (the copy
/// replays them in its commit, docs/decisions/ADR-005-copy-handover.md), and while it is stopped in error until a retry (the
/// apply loop replays them, docs/decisions/ADR-014-exact-row-encoding.md). Each runs in the caller's transaction.
/// </summary>
public static class KeptEvents
{
    /// <summary>Keeps events of tables being copied, in the apply transaction.</summary>
    public static async Task KeepPendingAsync(
        this TargetStateStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ApplyEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }
        var importer = await connection.BeginBinaryImportAsync(
            "COPY ferry.pending_event (subscription, source_table, event_id, txid, type, data, in_filter) FROM STDIN (FORMAT binary)",
            cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            foreach (var e in events)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(store.Subscription, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(e.Event.Table!, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(e.Event.Id, NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(e.Event.TxId, NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(e.Event.Type, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                if (e.Event.Data is null)
                {
                    await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await importer.WriteAsync(e.Event.Data, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                }
                await importer.WriteAsync(e.InFilter, NpgsqlTypes.NpgsqlDbType.Boolean, cancellationToken).ConfigureAwait(false);
            }
            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The tables that have kept events (in the caller's transaction).</summary>
    public static async Task<IReadOnlyList<string>> GetKeptTablesAsync(
        this TargetStateStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT DISTINCT source_table FROM ferry.pending_event WHERE subscription = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = store.Subscription });
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables.Add(reader.GetString(0));
        }
        return tables;
    }

    /// <summary>Kept events read (and deleted) per round trip by <see cref="TakePendingAsync"/>.</summary>
    public const int TakeChunk = 5000;

    /// <summary>
    /// Reads and deletes the kept events of one table, in event id order (a copy, or the apply loop after a retry, replays
    /// them), through a cursor <paramref name="chunk"/> at a time: each chunk is read whole and deleted before its events are
    /// handed out, so the caller may write on the connection between two events, and a table with millions of kept events
    /// never sits in memory (docs/architecture.md, "Bounded memory"). The deletes commit with the caller's transaction.
    /// </summary>
    public static async IAsyncEnumerable<ApplyEvent> TakePendingAsync(
        this TargetStateStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, string sourceTable,
        [EnumeratorCancellation] CancellationToken cancellationToken, int chunk = TakeChunk)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        await using (var declare = new NpgsqlCommand("""
            DECLARE ferry_kept NO SCROLL CURSOR FOR
            SELECT event_id, txid, type, data, in_filter FROM ferry.pending_event
             WHERE subscription = $1 AND source_table = $2 ORDER BY event_id
            """, connection, transaction))
        {
            declare.Parameters.Add(new NpgsqlParameter { Value = store.Subscription });
            declare.Parameters.Add(new NpgsqlParameter { Value = sourceTable });
            await declare.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var rows = new List<ApplyEvent>(Math.Min(chunk, TakeChunk));
        do
        {
            rows.Clear();
            await using (var fetch = new NpgsqlCommand($"FETCH FORWARD {chunk} FROM ferry_kept", connection, transaction))
            await using (var reader = await fetch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(new ApplyEvent(
                        new QueueEvent(reader.GetInt64(0), reader.GetInt64(1), default, reader.GetString(2), sourceTable,
                            reader.IsDBNull(3) ? null : reader.GetString(3), null),
                        reader.GetBoolean(4)));
                }
            }
            if (rows.Count > 0)
            {
                // Exactly the rows read: events kept on this connection meanwhile stay.
                await using var delete = new NpgsqlCommand(
                    "DELETE FROM ferry.pending_event WHERE subscription = $1 AND source_table = $2 AND event_id = ANY ($3)",
                    connection, transaction);
                delete.Parameters.Add(new NpgsqlParameter { Value = store.Subscription });
                delete.Parameters.Add(new NpgsqlParameter { Value = sourceTable });
                delete.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Event.Id).ToArray() });
                await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            foreach (var item in rows)
            {
                yield return item;
            }
        }
        while (rows.Count == chunk);
        await using var close = new NpgsqlCommand("CLOSE ferry_kept", connection, transaction);
        await close.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
