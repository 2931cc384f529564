using System.Collections.Concurrent;
using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Npgsql;

namespace Ferry.Engine.Replication.Status.Internal;

/// <summary>
/// The roots' lag reads on data sources kept for the process, one per root connection string: the dashboard reads lags every
/// few seconds and on every change, and a new data source per read cost a new server process on the root, a log-in and
/// Npgsql's type loading each time (about 17 ms of CPU here, against 0.2 ms on a pooled connection; see
/// docs/benchmarks/2026-11-29-tables1000.md). A pooled connection that went stale (the root restarted) fails once: the data
/// source is dropped and the read tried again on a new one.
/// </summary>
internal static class LagSources
{
    private static readonly ConcurrentDictionary<string, NpgsqlDataSource> Sources = new(StringComparer.Ordinal);

    public static async Task<IReadOnlyList<ConsumerLag>> ReadAsync(string connectionString, string queue, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var source = Sources.GetOrAdd(connectionString, Create);
            try
            {
                return await new QueueAdmin(source).GetConsumerLagsAsync(queue, cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException e) when (attempt == 0 && IsConnectionLost(e) && !cancellationToken.IsCancellationRequested)
            {
                // A stale pooled connection, or the root is down: forget the data source and try once more on a new one.
                if (Sources.TryRemove(new KeyValuePair<string, NpgsqlDataSource>(connectionString, source)))
                {
                    await source.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>The connection broke (network, restart) or the server ended its session (57P01 and friends, class 08).</summary>
    private static bool IsConnectionLost(NpgsqlException e) =>
        e is not PostgresException server
        || server.SqlState.StartsWith("57P", StringComparison.Ordinal)
        || server.SqlState.StartsWith("08", StringComparison.Ordinal);

    // Idle connections close after a minute; none is kept open for a root nobody looks at.
    private static NpgsqlDataSource Create(string connectionString) => NpgsqlDataSource.Create(
        new NpgsqlConnectionStringBuilder(connectionString) { ConnectionIdleLifetime = 60, MinPoolSize = 0 }.ConnectionString);
}
