namespace Ferry.Engine.Target;

/// <summary>A subscription's state on the target: last tick applied, and the error that stopped it, if any.</summary>
/// <param name="State"><c>active</c> or <c>error</c>.</param>
public sealed record SubscriptionStateRow(string Name, long? LastTick, string State, string? Error, string? FailedEvent);
