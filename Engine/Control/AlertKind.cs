namespace Ferry.Engine.Control;

/// <summary>What an <see cref="AlertRule"/> watches, and what its <see cref="AlertRule.Threshold"/> means.</summary>
public enum AlertKind
{
    /// <summary>An active subscription's lag is above <c>Threshold</c> seconds (per subscription).</summary>
    Lag,

    /// <summary>A subscription is in error, or one of its tables is (per subscription, failing tables listed). No threshold.</summary>
    Error,

    /// <summary>A subscription has been paused for longer than <c>Threshold</c> seconds (per subscription).</summary>
    Paused,

    /// <summary>A node did not answer its last probe (per node; the evaluation probes every node first). No threshold.</summary>
    NodeUnreachable,

    /// <summary>The newest tick of a set's queue is older than <c>Threshold</c> seconds: its ticker does not tick (per set).</summary>
    TickerStalled,

    /// <summary>A subscription has more than <c>Threshold</c> events pending (per subscription).</summary>
    PendingEvents,

    /// <summary>
    /// The last finished compare of a table found rows that differ (per table; from its latest done
    /// <see cref="CompareReport"/>). No threshold.
    /// </summary>
    CompareDifferences,
}
