using Ferry.Engine.Ticker.Internal;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Engine.Ticker;

/// <summary>
/// The ticker of one queue: asks <c>ferry.ticker</c> every <see cref="TickerOptions.PollInterval"/> whether a tick is
/// due (enough events, events pending for long enough, or idle for long enough) and closes it; <c>ferry.tick</c>
/// wakes consumers with NOTIFY. <see cref="TickOnceAsync"/> is one unit of work; <see cref="RunAsync"/> is the loop a
/// Hangfire job runs until shutdown.
/// </summary>
/// <remarks>
/// Exactly one ticker per queue: <see cref="RunAsync"/> ticks only while it holds a session-level advisory lock in
/// the node database, keyed by the queue's id, on the connection it ticks with. When two processes (two Portals on
/// one control database, or a Hangfire retry overlapping a job that still runs) start the loop for the same queue,
/// <c>pg_try_advisory_lock</c> lets exactly one win; the other polls every <see cref="TickerOptions.LockRetryInterval"/>
/// and takes over when the winner's session ends (shutdown, crash, lost connection: PostgreSQL releases the lock
/// when it notices the backend is gone, which for a silently dead client takes TCP keepalive time). Ticks are
/// also serialized in SQL (<c>ferry.tick</c> locks the queue row), so even a stray extra tick is only a short batch,
/// never a wrong one. The lock is per node database, not per control database: it also holds between two Ferry
/// installations pointed at one node. It needs a session, so it does not survive a transaction-pooling proxy.
/// </remarks>
public sealed class TickerLoop(
    NpgsqlDataSource dataSource, string queue, TickerOptions options, TimeProvider timeProvider, ILogger<TickerLoop> logger)
{
    // First key of the two-key advisory lock: "ftck"; the second is the queue id.
    private const int LockClass = 0x6674636b;

    /// <summary>The queue this loop ticks.</summary>
    public string Queue => queue;

    /// <summary>One decision of the ticker on <paramref name="connection"/>: ticks when a tick is due.</summary>
    /// <returns>The new tick's id, or null when none was due.</returns>
    public async Task<long?> TickOnceAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand("SELECT ferry.ticker($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        var result = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (result is long tick)
        {
            logger.Ticked(queue, tick);
            return tick;
        }
        return null;
    }

    /// <summary>
    /// Runs the ticker until <paramref name="cancellationToken"/> is cancelled: takes the queue's ticker lock (waiting
    /// while another process holds it), ticks, and reconnects after failures.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset? failingSince = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                if (!await TryLockAsync(connection, cancellationToken).ConfigureAwait(false))
                {
                    logger.TickerLockBusy(queue);
                    await connection.CloseAsync().ConfigureAwait(false);
                    await Task.Delay(options.LockRetryInterval, timeProvider, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                logger.TickerLockAcquired(queue);
                try
                {
                    while (true)
                    {
                        await TickOnceAsync(connection, cancellationToken).ConfigureAwait(false);
                        if (failingSince is { } since)
                        {
                            logger.TickerRecovered(queue, timeProvider.GetUtcNow() - since);
                            failingSince = null;
                        }
                        await Task.Delay(options.PollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
                    }
                }
                finally
                {
                    await UnlockAsync(connection).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                failingSince ??= timeProvider.GetUtcNow();
                logger.TickerFailed(e, queue, timeProvider.GetUtcNow() - failingSince.Value);
                try
                {
                    await Task.Delay(options.ErrorDelay, timeProvider, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    // A pooled connection goes back to the pool still holding its session locks (Npgsql resets the session only when
    // the connection is next used), so the lock is released explicitly. If that fails the connection is broken, is not
    // pooled again, and the server releases the lock with the session.
    private async Task UnlockAsync(NpgsqlConnection connection)
    {
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
            await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // Broken connection: see above.
        }
    }

    private async Task<bool> TryLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, ferry.queue_id($2))", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = LockClass });
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
