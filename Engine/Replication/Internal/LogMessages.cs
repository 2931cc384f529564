using Microsoft.Extensions.Logging;

namespace Ferry.Engine.Replication.Internal;

/// <summary>Log messages of the replication service and loops (event ids 5000-5099). Never logs a connection string.</summary>
internal static partial class LogMessages
{
    [LoggerMessage(5000, LogLevel.Information, "{User} {Action} {EntityType} {EntityId}")]
    public static partial void Changed(this ILogger logger, string user, string action, string entityType, string? entityId);

    [LoggerMessage(5001, LogLevel.Information, "Apply loop of subscription {Subscription} started with {Tables} table(s)")]
    public static partial void ApplyStarted(this ILogger logger, int subscription, int tables);

    [LoggerMessage(5002, LogLevel.Information, "Apply loop of subscription {Subscription} ended: {Reason}")]
    public static partial void ApplyEnded(this ILogger logger, int subscription, string reason);

    [LoggerMessage(5003, LogLevel.Debug, "Loop {Loop} {Id} runs in another process (its lock is held)")]
    public static partial void LoopBusy(this ILogger logger, string loop, int id);

    [LoggerMessage(5004, LogLevel.Warning,
        "Apply loop of subscription {Subscription} failed (attempt {Attempt}, failing for {Duration}); retrying in {Delay}")]
    public static partial void ApplyFailed(
        this ILogger logger, Exception exception, int subscription, int attempt, TimeSpan duration, TimeSpan delay);

    // 5005-5007: the copies' messages, now in Engine/Copy/Internal/CopyLog.cs.

    [LoggerMessage(5008, LogLevel.Error, "Subscription {Subscription}: table {Table} cannot be applied: {Message}")]
    public static partial void RuleInvalid(this ILogger logger, int subscription, string table, string message);

    [LoggerMessage(5009, LogLevel.Information, "Ticker of set {Set} (queue {Queue}) started")]
    public static partial void TickerStarted(this ILogger logger, int set, string queue);

    [LoggerMessage(5010, LogLevel.Information, "Supervisor started {Tickers} ticker(s) and {Applies} apply loop(s)")]
    public static partial void SupervisorStarted(this ILogger logger, int tickers, int applies);

    [LoggerMessage(5011, LogLevel.Warning, "Housekeeping of set {Set} failed")]
    public static partial void HousekeepingFailed(this ILogger logger, Exception exception, int set);

    [LoggerMessage(5012, LogLevel.Information, "Apply loop of subscription {Subscription} recovered after {Duration}")]
    public static partial void ApplyRecovered(this ILogger logger, int subscription, TimeSpan duration);

    [LoggerMessage(5013, LogLevel.Warning, "Listening for replication changes on the control database failed; retrying in 5 s")]
    public static partial void ChangeListenerFailed(this ILogger logger, Exception exception);
}
