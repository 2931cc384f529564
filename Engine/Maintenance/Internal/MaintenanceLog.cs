using Microsoft.Extensions.Logging;

namespace Ferry.Engine.Maintenance.Internal;

/// <summary>Log messages of queue maintenance (event ids 3010-3019).</summary>
internal static partial class MaintenanceLog
{
    [LoggerMessage(3010, LogLevel.Information,
        "Maintenance of queue {Queue}: rotated {Rotated}, requeued {Requeued} retry events, removed {Ticks} ticks")]
    public static partial void MaintenanceDone(this ILogger logger, string queue, bool rotated, int requeued, int ticks);
}
