using Ferry.Engine.Control;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Ferry.Engine.Replication.Internal;

/// <summary>
/// Counts one subscription's applied events in memory, per <see cref="ThroughputBucket.Width"/> of the clock, and adds them to
/// <c>ferry.throughput_buckets</c> when flushed (the runner flushes at most once per control poll and when it stops).
/// </summary>
/// <remarks>
/// These counts are statistics for the dashboard's chart, not replication state: what was counted since the last flush is
/// lost when the process dies, and nothing else is affected. That is the price of not writing to the control database per
/// batch. Used by one runner at a time (its loop is sequential), so it needs no lock.
/// </remarks>
internal sealed class ThroughputCounter(int subscriptionId, TimeProvider time)
{
    private readonly SortedDictionary<DateTimeOffset, long> _pending = [];

    public bool IsEmpty => _pending.Count == 0;

    /// <summary>Events counted and not flushed yet.</summary>
    public long Pending => _pending.Values.Sum();

    /// <summary>Counts <paramref name="events"/> applied now.</summary>
    public void Add(long events)
    {
        if (events <= 0)
        {
            return;
        }
        var bucket = ThroughputBucket.StartOf(time.GetUtcNow());
        _pending[bucket] = _pending.GetValueOrDefault(bucket) + events;
    }

    /// <summary>
    /// Adds the pending counts to their buckets in one statement (<c>events = events + excluded.events</c>, so several
    /// flushes and processes add up). On failure the counts stay pending for the next flush; counts of a subscription that
    /// was dropped meanwhile are discarded.
    /// </summary>
    /// <returns>How many events were written.</returns>
    public async Task<long> FlushAsync(ControlDbContext context, CancellationToken cancellationToken)
    {
        if (IsEmpty)
        {
            return 0;
        }
        var starts = _pending.Keys.ToArray();
        var counts = _pending.Values.ToArray();
        _pending.Clear();
        try
        {
            await context.Database.ExecuteSqlAsync($"""
                INSERT INTO ferry.throughput_buckets (subscription_id, bucket_start, events)
                SELECT {subscriptionId}, b.bucket_start, b.events
                FROM unnest({starts}::timestamptz[], {counts}::bigint[]) AS b(bucket_start, events)
                WHERE EXISTS (SELECT 1 FROM ferry.subscriptions s WHERE s.id = {subscriptionId})
                ON CONFLICT (subscription_id, bucket_start) DO UPDATE SET events = throughput_buckets.events + excluded.events
                """, cancellationToken).ConfigureAwait(false);
            return counts.Sum();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            // The subscription was dropped between the check and the insert: its buckets are gone with it.
            return 0;
        }
        catch
        {
            for (var i = 0; i < starts.Length; i++)
            {
                _pending[starts[i]] = _pending.GetValueOrDefault(starts[i]) + counts[i];
            }
            throw;
        }
    }
}
