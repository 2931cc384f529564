namespace Ferry.Engine.Control;

/// <summary>
/// How many events a subscription's apply loop applied in one minute (UTC): the points of the dashboard's "events applied
/// per second" chart. Statistics only: the runner adds to the current bucket at most once per control poll, so a crash
/// loses at most the counts of its last poll interval, and nothing depends on them.
/// </summary>
public sealed class ThroughputBucket
{
    /// <summary>The width of one bucket: one minute, 60 points for the last hour.</summary>
    public static readonly TimeSpan Width = TimeSpan.FromMinutes(1);

    /// <summary>How long buckets are kept (purged by the queue maintenance job).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    public int SubscriptionId { get; set; }

    /// <summary>The bucket's first instant, UTC, on a whole minute.</summary>
    public DateTimeOffset BucketStart { get; set; }

    /// <summary>Events applied in the bucket (by the apply loop, and kept events replayed when a copy ends; never copied rows).</summary>
    public long Events { get; set; }

    /// <summary>The start of the bucket holding <paramref name="at"/>, in UTC.</summary>
    public static DateTimeOffset StartOf(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % Width.Ticks), TimeSpan.Zero);
    }
}
