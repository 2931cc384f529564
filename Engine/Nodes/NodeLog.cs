using Microsoft.Extensions.Logging;

namespace Ferry.Engine.Nodes;

/// <summary>Log messages of node administration (event ids 1100-1149). Never a password or connection string.</summary>
internal static partial class NodeLog
{
    [LoggerMessage(1100, LogLevel.Information, "Node {Node} added by {User}")]
    public static partial void NodeCreated(ILogger logger, string node, string? user);

    [LoggerMessage(1101, LogLevel.Information, "Ferry's schema on node {Node} went from version {Before} to {After}")]
    public static partial void SchemaInstalled(ILogger logger, string node, int before, int after);

    [LoggerMessage(1102, LogLevel.Information, "Connection test of node {Node} failed: {Reason}")]
    public static partial void CheckFailed(ILogger logger, string node, string reason);
}
