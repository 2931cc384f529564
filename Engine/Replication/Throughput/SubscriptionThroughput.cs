namespace Ferry.Engine.Replication.Throughput;

/// <summary>One subscription's events applied over the last hour, oldest point first, without gaps (a quiet minute is 0).</summary>
/// <param name="BucketSeconds">The seconds one point covers (the last point covers the seconds elapsed so far).</param>
public sealed record SubscriptionThroughput(int SubscriptionId, int BucketSeconds, IReadOnlyList<ThroughputPoint> Points)
{
    /// <summary>Events applied in the whole hour.</summary>
    public long TotalEvents => Points.Sum(p => p.Events);

    /// <summary>The highest rate of the hour, in events per second.</summary>
    public double PeakEventsPerSecond => Points.Count == 0 ? 0 : Points.Max(p => p.EventsPerSecond);
}
