using Ferry.Engine.Control;
using Ferry.Engine.Monitoring;
using Ferry.Engine.Replication.Status;

namespace Ferry.Engine.Alerts;

/// <summary>What one evaluation round read, once for all rules (each part only when a rule of its kind is enabled).</summary>
internal sealed record AlertFacts(
    DateTimeOffset Now,
    IReadOnlyList<SubscriptionSummary> Subscriptions,
    IReadOnlyDictionary<int, DateTimeOffset> PausedSince,
    IReadOnlyList<Node> Nodes,
    IReadOnlyList<SourceLoad> Loads,
    IReadOnlyList<ComparedTable> Compares);
