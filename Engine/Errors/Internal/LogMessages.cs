using Microsoft.Extensions.Logging;

namespace Ferry.Engine.Errors.Internal;

/// <summary>Log messages of the error history (event ids 6050-6069).</summary>
internal static partial class LogMessages
{
    [LoggerMessage(6050, LogLevel.Warning, "Subscription {SubscriptionId}: an error could not be kept in the history")]
    public static partial void NotKept(this ILogger logger, Exception exception, int subscriptionId);

    [LoggerMessage(6051, LogLevel.Information, "Error history: {Groups} closed groups older than {KeepClosed} deleted")]
    public static partial void Pruned(this ILogger logger, int groups, TimeSpan keepClosed);
}
