namespace Ferry.Engine.Metrics;

/// <summary>One set's queue on its root (null figures: the root did not answer).</summary>
public sealed record QueueFigures(
    string Set, long? NewestTickId, double? NewestTickAgeSeconds, long? EventsWritten, long? EventTableBytes,
    double? OldestUnconsumedTickAgeSeconds);
