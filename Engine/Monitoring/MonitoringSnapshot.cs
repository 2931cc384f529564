namespace Ferry.Engine.Monitoring;

/// <summary>The figures <see cref="FerryMetrics"/> reports from the nodes and the control database, as read at <see cref="TakenAt"/>.</summary>
public sealed record MonitoringSnapshot(
    DateTimeOffset? TakenAt,
    IReadOnlyList<SubscriptionFigures> Subscriptions,
    IReadOnlyList<QueueFigures> Queues,
    IReadOnlyList<NodeFigures> Nodes,
    IReadOnlyList<SourceLoad> SourceLoads)
{
    /// <summary>Nothing read yet.</summary>
    public static readonly MonitoringSnapshot Empty = new(null, [], [], [], []);
}

/// <summary>One subscription: state, lag and pending events (null when its root did not answer), tables per state.</summary>
public sealed record SubscriptionFigures(
    SubscriptionLabels Labels, string State, double? LagSeconds, double? PendingEvents, IReadOnlyDictionary<string, int> TablesByState)
{
    /// <summary>The states <c>ferry.subscription.state</c> reports, lower case.</summary>
    public static readonly IReadOnlyList<string> States = ["active", "paused", "error"];
}

/// <summary>One set's queue on its root (null figures: the root did not answer).</summary>
public sealed record QueueFigures(
    string Set, long? NewestTickId, double? NewestTickAgeSeconds, long? EventsWritten, long? EventTableBytes,
    double? OldestUnconsumedTickAgeSeconds);

/// <summary>One node and whether it answered its last probe.</summary>
public sealed record NodeFigures(string Name, bool Up);
