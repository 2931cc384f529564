using Npgsql;

namespace Ferry.Engine.Queue;

/// <summary>
/// Reads a queue's load on its database (<see cref="QueueLoad"/>): three small statements on one connection, no scan of an
/// event table. Whether a consumer blocks rotation is the test <c>ferry.rotate_tables</c> makes, narrowed to the events at or
/// above the consumer tick's xmin through the event tables' <c>ev_txid</c> index (every event below xmin is visible to it).
/// </summary>
public static class QueueLoadReader
{
    /// <summary>Reads the load of <paramref name="queue"/>.</summary>
    /// <exception cref="PostgresException">The queue does not exist (SQLSTATE 42704) or the database refused.</exception>
    public static async Task<QueueLoad> ReadAsync(NpgsqlDataSource dataSource, string queue, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // One snapshot for the three reads.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken)
            .ConfigureAwait(false);
        int id, tables, current;
        TimeSpan period;
        DateTimeOffset lastRotation, now;
        long written;
        long? newestId;
        DateTimeOffset? newestTime, oldestUnconsumed;
        int ticks, captured;
        await using (var command = new NpgsqlCommand(
            """
            SELECT q.queue_id, q.queue_ntables, q.queue_cur_table, q.queue_rotation_period, q.queue_switch_time, now(),
                   ferry.event_position(q.queue_id), nt.tick_id, nt.tick_time,
                   (SELECT count(*)::int FROM ferry.tick t WHERE t.tick_queue = q.queue_id),
                   (SELECT t.tick_time FROM ferry.tick t
                     WHERE t.tick_queue = q.queue_id
                       AND t.tick_id > (SELECT min(c.consumer_last_tick) FROM ferry.consumer c WHERE c.consumer_queue = q.queue_id)
                     ORDER BY t.tick_id LIMIT 1),
                   (SELECT count(*)::int FROM ferry.capture_table ct WHERE ct.ct_queue = q.queue_id)
              FROM ferry.queue q
              LEFT JOIN LATERAL (SELECT t.tick_id, t.tick_time FROM ferry.tick t WHERE t.tick_queue = q.queue_id
                                  ORDER BY t.tick_id DESC LIMIT 1) nt ON true
             WHERE q.queue_id = ferry.queue_id($1)
            """, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = queue });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            (id, tables, current, period) = (reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetTimeSpan(3));
            (lastRotation, now, written) = (reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt64(6));
            newestId = reader.IsDBNull(7) ? null : reader.GetInt64(7);
            newestTime = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8);
            ticks = reader.GetInt32(9);
            oldestUnconsumed = reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10);
            captured = reader.GetInt32(11);
        }
        var next = (current + 1) % tables;

        var eventTables = new List<EventTableLoad>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT n, c.oid::regclass::text, pg_total_relation_size(c.oid), pg_stat_get_live_tuples(c.oid)
              FROM generate_series(0, $2 - 1) AS n
              JOIN pg_class c ON c.oid = to_regclass(format('ferry.event_%s_%s', $1, n))
             ORDER BY n
            """, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            command.Parameters.Add(new NpgsqlParameter { Value = tables });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var number = reader.GetInt32(0);
                eventTables.Add(new EventTableLoad(number, reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3),
                    number == current, number == next));
            }
        }

        var consumers = new List<ConsumerPosition>();
        // The partition's name is made of two integers read above: nothing of the caller's reaches the SQL text.
        var oldest = FormattableString.Invariant($"ferry.event_{id}_{next}");
        await using (var command = new NpgsqlCommand(
            $"""
            SELECT c.consumer_name, c.consumer_last_tick, t.tick_time,
                   greatest(coalesce((SELECT nt.tick_event_seq FROM ferry.tick nt WHERE nt.tick_queue = c.consumer_queue
                                       ORDER BY nt.tick_id DESC LIMIT 1), 0) - t.tick_event_seq, 0),
                   now() - t.tick_time,
                   EXISTS (SELECT 1 FROM {oldest} e
                            WHERE e.ev_txid >= t.tick_xmin AND NOT ferry.txid_visible(e.ev_txid, t.tick_xmin, t.tick_xmax, t.tick_xip))
              FROM ferry.consumer c
              JOIN ferry.tick t ON t.tick_queue = c.consumer_queue AND t.tick_id = c.consumer_last_tick
             WHERE c.consumer_queue = $1
             ORDER BY c.consumer_name
            """, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                consumers.Add(new ConsumerPosition(reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2),
                    reader.GetInt64(3), reader.GetTimeSpan(4), reader.GetBoolean(5)));
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new QueueLoad(queue, now, written, newestId, newestTime, ticks, oldestUnconsumed, current, next, period, lastRotation,
            captured, eventTables, consumers);
    }
}
