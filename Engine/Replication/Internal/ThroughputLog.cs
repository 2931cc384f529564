using Microsoft.Extensions.Logging;

namespace Ferry.Engine.Replication.Internal;

/// <summary>Log messages of the throughput counts (event ids 5090-5099 of the replication range).</summary>
internal static partial class ThroughputLog
{
    [LoggerMessage(5090, LogLevel.Warning,
        "Subscription {Subscription}: {Events} applied event(s) could not be counted in the control database when the loop stopped "
        + "(dashboard statistics only)")]
    public static partial void ThroughputLost(this ILogger logger, Exception exception, int subscription, long events);

    [LoggerMessage(5091, LogLevel.Information, "Purged {Buckets} throughput bucket(s) older than {Retention}")]
    public static partial void ThroughputPurged(this ILogger logger, int buckets, TimeSpan retention);
}
