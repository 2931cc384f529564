using Npgsql;

namespace Ferry.Engine.Queue.Internal;

/// <summary>Reads <c>ferry.consumer_info</c> rows into <see cref="ConsumerLag"/>s.</summary>
internal static class ConsumerLagReader
{
    /// <summary>Parameters: queue name, consumer name (NULL for all consumers of the queue).</summary>
    public const string Sql =
        """
        SELECT queue_name, consumer_name, last_tick, last_tick_time, batch_tick, newest_tick, newest_tick_time,
               pending_events, behind, lag
          FROM ferry.consumer_info($1) WHERE $2::text IS NULL OR consumer_name = $2::text
        """;

    public static async Task<IReadOnlyList<ConsumerLag>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var lags = new List<ConsumerLag>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            lags.Add(new ConsumerLag(
                reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetInt64(4), reader.GetInt64(5), reader.GetFieldValue<DateTimeOffset>(6),
                reader.GetInt64(7), reader.GetTimeSpan(8), reader.GetTimeSpan(9)));
        }
        return lags;
    }
}
