namespace Ferry.Engine.Replication.Throughput;

/// <summary>Events applied in the bucket starting at <paramref name="Start"/> (UTC), and as a rate per second.</summary>
public sealed record ThroughputPoint(DateTimeOffset Start, long Events, double EventsPerSecond);
