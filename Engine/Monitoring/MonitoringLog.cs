using Microsoft.Extensions.Logging;

namespace Ferry.Engine.Monitoring;

/// <summary>Log messages of monitoring (event ids 6000-6009; docs/architecture.md).</summary>
internal static partial class MonitoringLog
{
    [LoggerMessage(6000, LogLevel.Warning, "Reading the figures for /metrics failed; the previous ones stay")]
    public static partial void RefreshFailed(ILogger logger, Exception exception);
}
