using Microsoft.Extensions.Logging;

namespace Ferry.Engine.Control;

/// <summary>Log messages of the control database and node probes (event ids 1000-1099). Never a password or connection string.</summary>
internal static partial class ControlLog
{
    [LoggerMessage(1000, LogLevel.Information, "Applying {Count} pending migration(s) to the control database {Database} on {Host}: {Migrations}")]
    public static partial void ApplyingMigrations(ILogger logger, int count, string? database, string? host, string migrations);

    [LoggerMessage(1001, LogLevel.Information, "The control database {Database} on {Host} is up to date ({Migration})")]
    public static partial void ControlDatabaseReady(ILogger logger, string? database, string? host, string? migration);

    [LoggerMessage(1002, LogLevel.Information, "Creating the control database {Database} on {Host}")]
    public static partial void CreatingControlDatabase(ILogger logger, string? database, string? host);

    [LoggerMessage(1010, LogLevel.Information, "Node {Node} answered: PostgreSQL {ServerVersion}")]
    public static partial void NodeProbed(ILogger logger, string node, string serverVersion);

    [LoggerMessage(1011, LogLevel.Warning, "Node {Node} did not answer the health probe: {Error}")]
    public static partial void NodeProbeFailed(ILogger logger, string node, string error);

    [LoggerMessage(1012, LogLevel.Information, "Health probe of {Count} node(s) finished: {Failed} failed")]
    public static partial void ProbeRoundFinished(ILogger logger, int count, int failed);
}
