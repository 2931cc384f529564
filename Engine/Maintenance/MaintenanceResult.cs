namespace Ferry.Engine.Maintenance;

/// <summary>What one maintenance run did to a queue.</summary>
/// <param name="Rotated">Whether capture switched to the next event table (the oldest, truncated).</param>
/// <param name="RequeuedRetries">Retry events moved back into the queue.</param>
/// <param name="RemovedTicks">Ticks deleted because no consumer needs them.</param>
public sealed record MaintenanceResult(bool Rotated, int RequeuedRetries, int RemovedTicks);
