using Npgsql;

namespace Ferry.Engine.Queue;

/// <summary>
/// What travels in a queue besides row changes (queue schema v7, docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md):
/// the positions of registered sequences recorded with each tick, and DDL scripts queued as events.
/// </summary>
public static class QueueStream
{
    /// <summary>The first queue schema version whose ticks carry sequences and whose queue takes DDL events.</summary>
    public const int Version = 7;

    /// <summary>Records the sequence (a name <c>regclass</c> accepts) with every tick of the queue from now on.</summary>
    public static async Task RegisterSequenceAsync(
        NpgsqlDataSource root, string queue, string sequence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        await using var command = root.CreateCommand("SELECT ferry.register_sequence($1, $2::regclass)");
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        command.Parameters.Add(new NpgsqlParameter { Value = sequence });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The sequence positions a tick recorded, by sequence name (<c>"schema"."name"</c>, always quoted).</summary>
    public static async Task<IReadOnlyDictionary<string, (long LastValue, bool IsCalled)>> TickSequencesAsync(
        NpgsqlDataSource root, string queue, long tick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        await using var command = root.CreateCommand("SELECT sequence_name, last_value, is_called FROM ferry.tick_sequences($1, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        command.Parameters.Add(new NpgsqlParameter { Value = tick });
        var values = new Dictionary<string, (long, bool)>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            values[reader.GetString(0)] = (reader.GetInt64(1), reader.GetBoolean(2));
        }
        return values;
    }

    /// <summary>
    /// Queues a DDL event for <paramref name="script"/> in the caller's transaction, after locking <paramref name="tables"/>
    /// (<c>ferry.queue_ddl</c>); the caller then runs the script in the same transaction.
    /// </summary>
    /// <returns>The script's id on the root and its event's id.</returns>
    public static async Task<(long DdlId, long EventId)> QueueDdlAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string queue, string script, string by,
        IReadOnlyList<string> tables, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tables);
        await using var command = new NpgsqlCommand(
            "SELECT ddl_id, ev_id FROM ferry.queue_ddl($1, $2, $3, $4::text[]::regclass[])", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        command.Parameters.Add(new NpgsqlParameter { Value = script });
        command.Parameters.Add(new NpgsqlParameter { Value = by });
        command.Parameters.Add(new NpgsqlParameter { Value = tables.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Whether a DDL script committed on the root that the consumer has not passed yet (<c>ferry.ddl_pending</c>).</summary>
    public static async Task<bool> DdlPendingAsync(
        NpgsqlDataSource root, string queue, string consumer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        await using var command = root.CreateCommand("SELECT ferry.ddl_pending($1, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        command.Parameters.Add(new NpgsqlParameter { Value = consumer });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Marks the DDL event as skipped for the consumer (<c>ferry.skip_ddl</c>); false when it is no DDL script of the queue.</summary>
    public static async Task<bool> SkipDdlAsync(
        NpgsqlDataSource root, string queue, long eventId, string consumer, string by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        await using var command = root.CreateCommand("SELECT ferry.skip_ddl($1, $2, $3, $4)");
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        command.Parameters.Add(new NpgsqlParameter { Value = consumer });
        command.Parameters.Add(new NpgsqlParameter { Value = by });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Whether the consumer's subscriber passes over the DDL event (<c>ferry.ddl_skipped</c>).</summary>
    public static async Task<bool> DdlSkippedAsync(
        NpgsqlDataSource root, string queue, long eventId, string consumer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(root);
        await using var command = root.CreateCommand("SELECT ferry.ddl_skipped($1, $2, $3)");
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        command.Parameters.Add(new NpgsqlParameter { Value = consumer });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
