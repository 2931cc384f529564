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

    /// <summary>Reads and deletes the kept events of one table, in event id order (the copy replays them).</summary>
    public static async Task<IReadOnlyList<ApplyEvent>> TakePendingAsync(
        this TargetStateStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, string sourceTable, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            DELETE FROM ferry.pending_event WHERE subscription = $1 AND source_table = $2
            RETURNING event_id, txid, type, data, in_filter
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = store.Subscription });
        command.Parameters.Add(new NpgsqlParameter { Value = sourceTable });
        var events = new List<ApplyEvent>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                events.Add(new ApplyEvent(
                    new QueueEvent(reader.GetInt64(0), reader.GetInt64(1), default, reader.GetString(2), sourceTable,
                        reader.IsDBNull(3) ? null : reader.GetString(3), null),
                    reader.GetBoolean(4)));
            }
        }
        events.Sort((a, b) => a.Event.Id.CompareTo(b.Event.Id));
        return events;
    }
}
