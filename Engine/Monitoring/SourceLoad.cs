using Ferry.Engine.Queue;

namespace Ferry.Engine.Monitoring;

/// <summary>
/// What capture costs a set's root (<see cref="SourceLoadQuery"/>): how fast events are written, how big the event tables are
/// and how rotation keeps them bounded, how old the oldest unconsumed tick is, and which consumer holds back the cleanup.
/// </summary>
/// <param name="Error">Why the root could not be read; the figures are then null or empty.</param>
/// <param name="EventsPerSecond">
/// Events captured per second over about the last minute (from this process's earlier reads of the event sequence; null
/// until two reads some seconds apart exist).
/// </param>
/// <param name="RotationDue">
/// The current event table has been current for the rotation period: the next maintenance round switches tables, unless a
/// consumer still needs the oldest one (<see cref="ConsumerLoad.HoldsBackCleanup"/>).
/// </param>
/// <param name="BoundSeconds">
/// How long events stay at most while every consumer keeps up: the tables (one current, the others waiting for rotation)
/// times the rotation period. The event tables' size stays around that many seconds of writes.
/// </param>
public sealed record SourceLoad(
    int SetId,
    string Set,
    string Root,
    DateTimeOffset? ReadAt,
    string? Error,
    double? EventsPerSecond,
    long? EventsWritten,
    long? EventTableBytes,
    IReadOnlyList<EventTableLoad> EventTables,
    double? RotationPeriodSeconds,
    DateTimeOffset? LastRotation,
    bool RotationDue,
    double? BoundSeconds,
    double? NewestTickAgeSeconds,
    double? OldestUnconsumedTickAgeSeconds,
    long? NewestTickId,
    int TicksKept,
    int CapturedTables,
    IReadOnlyList<ConsumerLoad> Consumers,
    IReadOnlyList<SourceLoadWarning> Warnings);
