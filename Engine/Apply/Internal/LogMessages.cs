using Microsoft.Extensions.Logging;

namespace Ferry.Engine.Apply.Internal;

/// <summary>Log messages of the apply side (event ids 4000-4099). Never logs a connection string.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(4000, LogLevel.Debug, "Subscription {Subscription} applied batch ({PreviousTickId}, {TickId}]: {Events} events")]
    public static partial void BatchApplied(this ILogger logger, string subscription, long previousTickId, long tickId, int events);

    [LoggerMessage(4001, LogLevel.Information,
        "Subscription {Subscription}: the target already holds tick {TickId} (batch after tick {PreviousTickId}); finishing it "
        + "without applying again")]
    public static partial void BatchAlreadyApplied(this ILogger logger, string subscription, long previousTickId, long tickId);

    [LoggerMessage(4002, LogLevel.Warning, "Subscription {Subscription}: transient error (attempt {Attempt}), retrying in {Delay}")]
    public static partial void TransientError(this ILogger logger, Exception exception, string subscription, int attempt, TimeSpan delay);

    [LoggerMessage(4003, LogLevel.Information, "Subscription {Subscription} recovered after {Attempts} failed attempts over {Duration}")]
    public static partial void Recovered(this ILogger logger, string subscription, int attempts, TimeSpan duration);

    [LoggerMessage(4004, LogLevel.Error, "Subscription {Subscription} stopped in state error: {Message}")]
    public static partial void Stopped(this ILogger logger, Exception exception, string subscription, string message);

    [LoggerMessage(4005, LogLevel.Warning, "Subscription {Subscription}: {Problem}")]
    public static partial void NoReplicaRole(this ILogger logger, string subscription, string problem);

    [LoggerMessage(4006, LogLevel.Information, "Subscription {Subscription}: table {Table} caught up, now ok")]
    public static partial void TableCaughtUp(this ILogger logger, string subscription, string table);

    [LoggerMessage(4007, LogLevel.Error, "Subscription {Subscription}: table {Table} stopped in state error: {Message}")]
    public static partial void TableStopped(this ILogger logger, string subscription, string table, string message);

    [LoggerMessage(4008, LogLevel.Information, "Subscription {Subscription}: {Message}")]
    public static partial void RulesChanged(this ILogger logger, string subscription, string message);

    [LoggerMessage(4009, LogLevel.Information, "Subscription {Subscription}: table {Table} replayed {Events} kept events after a retry")]
    public static partial void ReplayingKept(this ILogger logger, string subscription, string table, int events);
}
