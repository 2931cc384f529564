using Microsoft.Extensions.Logging;

namespace Ferry.Engine.Copy.Internal;

/// <summary>
/// Log messages of the copies (event ids 5005-5007, kept from when the subscription runner logged them). Never logs a
/// connection string.
/// </summary>
internal static partial class CopyLog
{
    [LoggerMessage(5005, LogLevel.Information, "Subscription {Subscription}: copy of {Table} done, {Rows} rows in {Duration}")]
    public static partial void CopyDone(this ILogger logger, string subscription, string table, long rows, TimeSpan duration);

    [LoggerMessage(5006, LogLevel.Warning, "Subscription {Subscription}: copy of {Table} failed, it will run again")]
    public static partial void CopyFailedTransient(this ILogger logger, Exception exception, string subscription, string table);

    [LoggerMessage(5007, LogLevel.Error, "Subscription {Subscription}: copy of {Table} failed: {Message}")]
    public static partial void CopyFailed(this ILogger logger, Exception exception, string subscription, string table, string message);
}
