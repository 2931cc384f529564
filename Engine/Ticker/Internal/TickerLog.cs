using Ferry.Engine.Ticker.Internal;
using Microsoft.Extensions.Logging;

namespace Ferry.Engine.Ticker.Internal;

/// <summary>Log messages of the ticker (event ids 3000-3009). Never logs a connection string.</summary>
internal static partial class TickerLog
{
    [LoggerMessage(3000, LogLevel.Information, "Ticker of queue {Queue} holds the ticker lock and runs")]
    public static partial void TickerLockAcquired(this ILogger logger, string queue);

    [LoggerMessage(3001, LogLevel.Debug, "Ticker of queue {Queue} waits: another process holds the ticker lock")]
    public static partial void TickerLockBusy(this ILogger logger, string queue);

    [LoggerMessage(3002, LogLevel.Trace, "Queue {Queue} ticked: tick {TickId}")]
    public static partial void Ticked(this ILogger logger, string queue, long tickId);

    [LoggerMessage(3003, LogLevel.Warning, "Ticker of queue {Queue} failed (failing for {Duration}); retrying")]
    public static partial void TickerFailed(this ILogger logger, Exception exception, string queue, TimeSpan duration);

    [LoggerMessage(3004, LogLevel.Information, "Ticker of queue {Queue} recovered after {Duration}")]
    public static partial void TickerRecovered(this ILogger logger, string queue, TimeSpan duration);
}
