using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Ferry.Engine.Metrics;

/// <summary>The labels of a subscription's series: its id, its set's name and its target node's name.</summary>
public readonly record struct SubscriptionLabels(int SubscriptionId, string Set, string Target)
{
    internal TagList Tags() => new()
    {
        { "subscription", SubscriptionId },
        { "set", Set },
        { "target", Target },
    };
}
