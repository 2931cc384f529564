using Microsoft.Extensions.Logging;

namespace Ferry.Engine.Ddl.Internal;

/// <summary>Log messages of DDL through the queue and sequences in the stream (event ids 4150-4199).</summary>
internal static partial class LogMessages
{
    [LoggerMessage(4150, LogLevel.Information, "Consumer {Consumer}: DDL script of event {EventId} ran on the target ({Statements} statements)")]
    public static partial void DdlRan(this ILogger logger, string consumer, long eventId, int statements);

    [LoggerMessage(4151, LogLevel.Warning, "Consumer {Consumer}: DDL script of event {EventId} passed over: the operator skipped it here")]
    public static partial void DdlSkipped(this ILogger logger, string consumer, long eventId);

    [LoggerMessage(4152, LogLevel.Information,
        "Consumer {Consumer}: DDL script of event {EventId} passed over: it names only tables this subscription does not carry")]
    public static partial void DdlNotCarried(this ILogger logger, string consumer, long eventId);
}
