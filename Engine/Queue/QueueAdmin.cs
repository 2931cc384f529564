using Ferry.Engine.Queue.Internal;
using Npgsql;

namespace Ferry.Engine.Queue;

/// <summary>
/// Creates and configures the queues of one node database and the tables they capture. Thin wrappers over the SQL
/// API of schema <c>ferry</c> (<c>ferry.create_queue</c>, <c>ferry.enable_capture</c>, ...), which must be installed
/// (<see cref="QueueSchema.InstallAsync(NpgsqlDataSource, CancellationToken)"/>).
/// </summary>
public sealed class QueueAdmin(NpgsqlDataSource dataSource)
{
    /// <summary>Creates a queue (1 to 50 characters) with default settings; does nothing when it exists.</summary>
    /// <returns>The queue's id in this database.</returns>
    public async Task<int> CreateQueueAsync(string queue, CancellationToken cancellationToken) =>
        (int)(await ScalarAsync("SELECT ferry.create_queue($1)", [queue], cancellationToken).ConfigureAwait(false))!;

    /// <summary>Removes a queue with its capture triggers, events, ticks and consumers.</summary>
    /// <returns>Whether the queue existed.</returns>
    public async Task<bool> DropQueueAsync(string queue, CancellationToken cancellationToken) =>
        (bool)(await ScalarAsync("SELECT ferry.drop_queue($1)", [queue], cancellationToken).ConfigureAwait(false))!;

    /// <summary>Changes the settings given (non-null members of <paramref name="settings"/>).</summary>
    public async Task ConfigureAsync(string queue, QueueSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        await ScalarAsync(
            "SELECT ferry.configure_queue($1, $2, $3, $4, $5, $6, $7)",
            [queue, settings.TickerMaxCount, settings.TickerMaxLag, settings.TickerIdlePeriod, settings.RotationPeriod,
                settings.RetryDelay, settings.TickerPaused],
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The queue's stored settings.</summary>
    public async Task<QueueSettings> GetSettingsAsync(string queue, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT queue_ticker_max_count, queue_ticker_max_lag, queue_ticker_idle_period, queue_rotation_period,
                   queue_retry_delay, queue_ticker_paused
              FROM ferry.queue WHERE queue_id = ferry.queue_id($1)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new QueueSettings(
            reader.GetInt32(0), reader.GetTimeSpan(1), reader.GetTimeSpan(2), reader.GetTimeSpan(3), reader.GetTimeSpan(4),
            reader.GetBoolean(5));
    }

    /// <summary>
    /// Starts capturing a table (any name PostgreSQL's <c>regclass</c> accepts, e.g. <c>app.orders</c>) into the queue:
    /// every insert, update, delete and truncate then writes events in the writing transaction.
    /// </summary>
    /// <returns>The key columns its delete events carry.</returns>
    /// <exception cref="CaptureRefusedException">
    /// The table does not exist, is not a table, or has no primary key nor unique index on NOT NULL columns.
    /// </exception>
    public async Task<IReadOnlyList<string>> EnableCaptureAsync(string queue, string table, CancellationToken cancellationToken)
    {
        try
        {
            return (string[])(await ScalarAsync("SELECT ferry.enable_capture($1, $2::regclass)", [queue, table], cancellationToken)
                .ConfigureAwait(false))!;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidTableDefinition or PostgresErrorCodes.WrongObjectType
                                              or PostgresErrorCodes.UndefinedTable)
        {
            throw new CaptureRefusedException(e.Hint is null ? e.MessageText : $"{e.MessageText}. {e.Hint}", e);
        }
    }

    /// <summary>Stops capturing a table; events already queued stay.</summary>
    /// <returns>Whether the table was captured.</returns>
    public async Task<bool> DisableCaptureAsync(string queue, string table, CancellationToken cancellationToken) =>
        (bool)(await ScalarAsync("SELECT ferry.disable_capture($1, $2::regclass)", [queue, table], cancellationToken)
            .ConfigureAwait(false))!;

    /// <summary>The tables the queue captures (regclass text) with their key columns.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> GetCapturedTablesAsync(
        string queue, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT ct_table::text, ct_key_columns FROM ferry.capture_table WHERE ct_queue = ferry.queue_id($1) ORDER BY 1");
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var tables = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables[reader.GetString(0)] = reader.GetFieldValue<string[]>(1);
        }
        return tables;
    }

    /// <summary>Position and lag of every consumer of the queue, by consumer name.</summary>
    public Task<IReadOnlyList<ConsumerLag>> GetConsumerLagsAsync(string queue, CancellationToken cancellationToken) =>
        ReadLagsAsync(queue, null, cancellationToken);

    /// <summary>Position and lag of one consumer of the queue; null when it is not registered there.</summary>
    public async Task<ConsumerLag?> GetConsumerLagAsync(string queue, string consumer, CancellationToken cancellationToken) =>
        (await ReadLagsAsync(queue, consumer, cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    private async Task<IReadOnlyList<ConsumerLag>> ReadLagsAsync(string queue, string? consumer, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(ConsumerLagReader.Sql);
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)consumer ?? DBNull.Value });
        return await ConsumerLagReader.ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes a tick now, whatever the ticker settings say (the ticker loop normally does this).</summary>
    /// <returns>The new tick id.</returns>
    public Task<long> TickAsync(string queue, CancellationToken cancellationToken) => TickAsync(queue, null, cancellationToken);

    /// <summary>Closes a tick now with the given id.</summary>
    /// <param name="tickId">
    /// The new tick's id, for a forwarder (cascading) that repeats its provider's ticks; it must be above every tick id the
    /// queue holds. Null takes the next number.
    /// </param>
    /// <returns>The new tick id.</returns>
    public async Task<long> TickAsync(string queue, long? tickId, CancellationToken cancellationToken) =>
        (long)(await ScalarAsync("SELECT ferry.tick($1, $2)", [queue, tickId], cancellationToken).ConfigureAwait(false))!;

    /// <summary>
    /// Writes one event into the queue, in its own transaction: control events, or a forwarder (cascading) re-queueing
    /// events under the ids its provider gave them (<paramref name="eventId"/>; null takes the next id).
    /// </summary>
    /// <returns>The event id.</returns>
    public async Task<long> InsertEventAsync(
        string queue, string type, string? table, string? data, string? extra, long? eventId, CancellationToken cancellationToken) =>
        (long)(await ScalarAsync("SELECT ferry.insert_event($1, $2, $3, $4::json, $5, $6)", [queue, type, table, data, extra, eventId],
            cancellationToken).ConfigureAwait(false))!;

    private async Task<object?> ScalarAsync(string sql, object?[] values, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value is null ? new NpgsqlParameter { Value = DBNull.Value } : new NpgsqlParameter { Value = value });
        }
        var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return result is DBNull ? null : result;
    }
}
