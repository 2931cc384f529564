namespace Ferry.Engine.Metrics;

/// <summary>The figures <see cref="FerryMetrics"/> reports from the nodes and the control database, as read at <see cref="TakenAt"/>.</summary>
public sealed record MonitoringSnapshot(
    DateTimeOffset? TakenAt,
    IReadOnlyList<SubscriptionFigures> Subscriptions,
    IReadOnlyList<QueueFigures> Queues,
    IReadOnlyList<NodeFigures> Nodes)
{
    /// <summary>Nothing read yet.</summary>
    public static readonly MonitoringSnapshot Empty = new(null, [], [], []);
}
