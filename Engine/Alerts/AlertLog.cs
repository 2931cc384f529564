using Microsoft.Extensions.Logging;

namespace Ferry.Engine.Alerts;

/// <summary>Log messages of alerts (event ids 6010-6049).</summary>
internal static partial class AlertLog
{
    [LoggerMessage(6010, LogLevel.Information, "Alert notice '{Title}' delivered to channel {Channel}")]
    public static partial void Delivered(ILogger logger, string title, string channel);

    [LoggerMessage(6011, LogLevel.Warning, "Alert notice '{Title}' not delivered to channel {Channel}: {Reason}")]
    public static partial void DeliveryFailed(ILogger logger, string title, string channel, string reason);

    [LoggerMessage(6012, LogLevel.Information, "Alert {Status}: {Rule} on {Subject}: {Message}")]
    public static partial void Changed(ILogger logger, string status, string rule, string subject, string message);

    [LoggerMessage(6013, LogLevel.Debug, "Alert evaluation skipped: another process evaluates now")]
    public static partial void Busy(ILogger logger);

    [LoggerMessage(6014, LogLevel.Debug, "Alert evaluation: {Rules} rule(s), {Open} open alert(s), {Notices} notice(s) in {Duration}")]
    public static partial void Evaluated(ILogger logger, int rules, int open, int notices, TimeSpan duration);

    [LoggerMessage(6015, LogLevel.Warning, "Alert evaluation could not read {What}; its rules keep their alerts this round")]
    public static partial void ReadFailed(ILogger logger, Exception exception, string what);
}
