namespace Ferry.Engine.Metrics;

/// <summary>One subscription: state, lag and pending events (null when its root did not answer), tables per state.</summary>
public sealed record SubscriptionFigures(
    SubscriptionLabels Labels, string State, double? LagSeconds, double? PendingEvents, IReadOnlyDictionary<string, int> TablesByState)
{
    /// <summary>The states <c>ferry.subscription.state</c> reports, lower case.</summary>
    public static readonly IReadOnlyList<string> States = ["active", "paused", "error"];
}
