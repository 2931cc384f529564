using System.Runtime.CompilerServices;
using System.Text;
using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Sql;
using Npgsql;

namespace Ferry.Engine.Consumers;

/// <summary>
/// One consumer of one queue in a node database: registration, batches, the events of a batch, retries and lag.
/// A batch is (last finished tick, next tick]: an event belongs to it iff its transaction id is visible in the
/// next tick's snapshot and not in the last one's, so every committed change lands in exactly one batch, in the
/// batch in which it committed, and rolled-back work in none (docs/decisions/ADR-003-queue-capture-and-batches.md).
/// </summary>
/// <remarks>
/// The usual loop: <see cref="NextBatchAsync"/>; if null, wait on a <see cref="TickListener"/> (started first);
/// else <see cref="ReadEventsAsync"/>, apply, <see cref="FinishBatchAsync"/>. A consumer that crashes before
/// finishing gets the same batch again from <see cref="NextBatchAsync"/>.
/// </remarks>
public sealed class QueueConsumer(NpgsqlDataSource dataSource, string queue, string consumer)
{
    /// <summary>The queue's name.</summary>
    public string Queue => queue;

    /// <summary>The consumer's name.</summary>
    public string Consumer => consumer;

    /// <summary>Registers the consumer at the queue's newest tick; its first batch holds what commits after it.</summary>
    /// <returns>True when registered now, false when it already was (its position is kept).</returns>
    public async Task<bool> RegisterAsync(CancellationToken cancellationToken) =>
        await ScalarAsync<bool>("SELECT ferry.register_consumer($1, $2)", cancellationToken).ConfigureAwait(false);

    /// <summary>Removes the consumer with its open batch and retries.</summary>
    /// <returns>Whether it was registered.</returns>
    public async Task<bool> UnregisterAsync(CancellationToken cancellationToken) =>
        await ScalarAsync<bool>("SELECT ferry.unregister_consumer($1, $2)", cancellationToken).ConfigureAwait(false);

    /// <summary>Opens the next batch (or returns the batch already open), or null when no tick follows the consumer's position.</summary>
    public Task<Batch?> NextBatchAsync(CancellationToken cancellationToken) => NextBatchAsync(20000, cancellationToken);

    /// <summary>
    /// Opens the next batch, taking several ticks at once only while their events stay within <paramref name="maxEvents"/>;
    /// 0 keeps every tick with events a batch of its own (a forwarder, docs/decisions/ADR-022-cascade.md).
    /// </summary>
    public async Task<Batch?> NextBatchAsync(long maxEvents, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT batch_tick, batch_tick_time, prev_tick, prev_tick_time, prev_xmax, prev_xip, cur_xmin, cur_xmax, cur_xip,
                   consumer_id, queue_id
              FROM ferry.next_batch($1, $2, $3)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        command.Parameters.Add(new NpgsqlParameter { Value = consumer });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = maxEvents });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }
        // The previous tick's xmin is not stored: it is the oldest transaction that snapshot saw running, or its xmax when none was.
        var previousXmax = reader.GetInt64(4);
        var previousXip = reader.GetFieldValue<long[]>(5);
        var start = new TxidSnapshot(
            previousXip.Length == 0 ? previousXmax : Math.Min(previousXip.Min(), previousXmax), previousXmax, previousXip);
        var end = new TxidSnapshot(reader.GetInt64(6), reader.GetInt64(7), reader.GetFieldValue<long[]>(8));
        return new Batch(
            queue, consumer,
            reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3),
            start, end)
        {
            Location = new BatchLocation(reader.GetInt32(9), Identifiers.Quote("ferry", $"event_{reader.GetInt32(10)}")),
        };
    }

    /// <summary>
    /// Streams the batch's events in event id order, which is commit-consistent: a row's changes come in the order
    /// their transactions committed. Events are fetched through a cursor <see cref="BatchReadOptions.ChunkSize"/> at a
    /// time on a connection of its own, so a batch of any size is never held in memory.
    /// </summary>
    public async IAsyncEnumerable<QueueEvent> ReadEventsAsync(
        Batch batch, BatchReadOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var e in ReadAsync(batch, options, null, cancellationToken).ConfigureAwait(false))
        {
            yield return e.Event;
        }
    }

    /// <summary>
    /// Like <see cref="ReadEventsAsync"/>, and evaluates on the source, for each insert and update of a table in
    /// <paramref name="filters"/>, that table's row filter: a SQL boolean expression over the table's columns (e.g.
    /// <c>region = 'EU'</c>), run against the row read back from the event (<c>ferry.text_row</c>, then <c>json_populate_record</c>
    /// as the apply reads it, docs/decisions/ADR-014-exact-row-encoding.md). Events are not left out: a
    /// row that no longer satisfies the filter is news too ("it left the filter").
    /// </summary>
    /// <param name="filters">
    /// Table (regclass text, as events name it; used as SQL text for the row type) to expression. Both are put into the
    /// query as SQL text: they must come from a validated rule, never straight from a user.
    /// </param>
    public IAsyncEnumerable<ApplyEvent> ReadEventsWithFiltersAsync(
        Batch batch, IReadOnlyDictionary<string, string> filters, BatchReadOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filters);
        return ReadAsync(batch, options, filters, cancellationToken);
    }

    private async IAsyncEnumerable<ApplyEvent> ReadAsync(
        Batch batch, BatchReadOptions? options, IReadOnlyDictionary<string, string>? verdicts,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        options ??= new BatchReadOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ChunkSize, 1);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (verdicts is { Count: > 0 } || options.Filters is { Count: > 0 })
        {
            // Row filters run in this transaction: READ ONLY, each fetch under a timeout (docs/decisions/ADR-009-row-filters.md).
            await FilterSql.ReadOnlyAsync(connection, transaction, FilterSql.EvaluationTimeout, cancellationToken).ConfigureAwait(false);
        }
        var columns = verdicts is { Count: > 0 }
            ? await LiveColumns.ReadAsync(connection, verdicts.Keys, cancellationToken).ConfigureAwait(false)
            : [];
        await using (var declare = BuildDeclare(batch, options, verdicts, columns, connection, transaction))
        {
            await declare.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using var fetch = new NpgsqlCommand($"FETCH FORWARD {options.ChunkSize} FROM ferry_batch", connection, transaction);
        while (true)
        {
            var rows = 0;
            await using (var reader = await fetch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows++;
                    var e = new QueueEvent(
                        reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3),
                        reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                        reader.IsDBNull(6) ? null : reader.GetString(6))
                    {
                        Retry = reader.GetInt32(7),
                    };
                    yield return new ApplyEvent(e, reader.GetBoolean(8));
                }
            }
            if (rows < options.ChunkSize)
            {
                break;
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Finishes the batch: the consumer's position moves to its tick. Finishing it twice is harmless.</summary>
    /// <returns>True when the batch was open and is now finished, false when it was finished already.</returns>
    public async Task<bool> FinishBatchAsync(Batch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await using var command = dataSource.CreateCommand("SELECT ferry.finish_batch($1, $2, $3)");
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        command.Parameters.Add(new NpgsqlParameter { Value = consumer });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.TickId });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Sends one event of the open batch to the retry queue: it is delivered to this consumer alone again, in a later
    /// batch, once <paramref name="delay"/> (or the queue's retry delay) has passed and maintenance has requeued it.
    /// </summary>
    /// <returns>Whether the event was found in the queue and queued for retry.</returns>
    public async Task<bool> RetryEventAsync(QueueEvent queueEvent, TimeSpan? delay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queueEvent);
        await using var command = dataSource.CreateCommand("SELECT ferry.retry_event($1, $2, $3, $4, $5)");
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        command.Parameters.Add(new NpgsqlParameter { Value = consumer });
        command.Parameters.Add(new NpgsqlParameter { Value = queueEvent.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = queueEvent.TxId });
        command.Parameters.Add(delay is { } d ? new NpgsqlParameter { Value = d } : new NpgsqlParameter { Value = DBNull.Value });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The consumer's position and lag.</summary>
    public async Task<ConsumerLag> GetLagAsync(CancellationToken cancellationToken) =>
        await new QueueAdmin(dataSource).GetConsumerLagAsync(queue, consumer, cancellationToken).ConfigureAwait(false)
        ?? throw new InvalidOperationException($"Consumer '{consumer}' is not registered on queue '{queue}'.");

    /// <summary>Starts listening for this queue's ticks (see <see cref="TickListener"/>).</summary>
    public Task<TickListener> ListenAsync(CancellationToken cancellationToken) =>
        TickListener.StartAsync(dataSource, queue, cancellationToken);

    private static NpgsqlCommand BuildDeclare(
        Batch batch, BatchReadOptions options, IReadOnlyDictionary<string, string>? verdicts,
        Dictionary<string, IReadOnlyList<LiveColumn>> columns, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var location = batch.Location
            ?? throw new InvalidOperationException(
                $"Batch ({batch.PreviousTickId}, {batch.TickId}] was not opened by a consumer: it has no events to read.");
        var command = new NpgsqlCommand { Connection = connection, Transaction = transaction };
        command.Parameters.Add(new NpgsqlParameter { Value = batch.StartSnapshot.InProgress.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.StartSnapshot.Xmax });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.EndSnapshot.Xmax });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.EndSnapshot.Xmin });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.EndSnapshot.InProgress.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = location.ConsumerId });
        var verdict = Verdict(verdicts, columns, command);
        // Events of transactions running at the previous tick (its xip) or started since (>= its xmax), and finished
        // at this tick. Two index conditions on ev_txid, not one range from the previous xmin: a long transaction
        // open at the previous tick would otherwise stretch the scanned range back to its start.
        var sql = new StringBuilder(
            $"""
            DECLARE ferry_batch NO SCROLL CURSOR FOR
            SELECT e.ev_id, e.ev_txid, e.ev_time, e.ev_type, e.ev_table, e.ev_data::text, e.ev_extra, coalesce(e.ev_retry, 0),
                   {verdict}
              FROM {location.EventTable} AS e
             WHERE (e.ev_txid = ANY($1) OR (e.ev_txid >= $2 AND e.ev_txid < $3))
               AND (e.ev_txid < $4 OR e.ev_txid <> ALL ($5))
               AND (e.ev_owner IS NULL OR e.ev_owner = $6)
            """);
        if (options.Tables is { } tables)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = tables.ToArray() });
            sql.Append($"\n   AND (e.ev_table IS NULL OR e.ev_table = ANY (${command.Parameters.Count}))");
        }
        if (options.Filters is { Count: > 0 } filters)
        {
            // The extension point for row filters: each table's expression decides for that table's events only.
            sql.Append("\n   AND CASE");
            foreach (var (table, expression) in filters)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = table });
                sql.Append($" WHEN e.ev_table = ${command.Parameters.Count} THEN coalesce({FilterSql.Parenthesized(expression)}, false)");
            }
            sql.Append(" ELSE true END");
        }
        sql.Append("\n ORDER BY e.ev_id");
        command.CommandText = sql.ToString();
        return command;
    }

    // Row filter verdicts: per table, the expression over the row read back from the event, for inserts and updates.
    private static string Verdict(
        IReadOnlyDictionary<string, string>? verdicts, Dictionary<string, IReadOnlyList<LiveColumn>> columns, NpgsqlCommand command)
    {
        if (verdicts is not { Count: > 0 })
        {
            return "true";
        }
        var sql = new StringBuilder("CASE WHEN e.ev_type NOT IN ('I', 'U') THEN true");
        foreach (var (table, expression) in verdicts)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = table });
            var definitions = (columns.GetValueOrDefault(table) ?? []).Select(c => new ColumnDefinition(c.Name, c.Type, "", false, c.JsonType))
                .ToList();
            var row = TargetTableSql.Populate(table, definitions, "ferry.text_row(e.ev_data, e.ev_extra)", FilterSql.RowAlias(table));
            sql.Append($" WHEN e.ev_table = ${command.Parameters.Count} THEN coalesce((SELECT {FilterSql.Parenthesized(expression)}")
                .Append($" FROM {row}), false)");
        }
        return sql.Append(" ELSE true END").ToString();
    }

    private async Task<T> ScalarAsync<T>(string sql, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        command.Parameters.Add(new NpgsqlParameter { Value = consumer });
        return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
