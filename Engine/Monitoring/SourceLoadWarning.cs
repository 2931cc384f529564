using Ferry.Engine.Queue;

namespace Ferry.Engine.Monitoring;

/// <summary>A consumer that makes the queue grow, why, and what fixes it.</summary>
public sealed record SourceLoadWarning(string Consumer, int? SubscriptionId, string Message, string Fix);
