namespace Ferry.Engine.Queue;

/// <summary>Position and lag of one consumer of a queue.</summary>
/// <param name="PendingEvents">
/// Estimated events after the consumer's last finished tick up to the newest tick (from event sequence positions, so
/// rolled-back writes count too).
/// </param>
/// <param name="BehindNewestTick">Newest tick's time minus the consumer's last finished tick's time.</param>
/// <param name="Lag">Now (database clock) minus the consumer's last finished tick's time.</param>
public sealed record ConsumerLag(
    string Queue,
    string Consumer,
    long LastTickId,
    DateTimeOffset LastTickTime,
    long? OpenBatchTickId,
    long NewestTickId,
    DateTimeOffset NewestTickTime,
    long PendingEvents,
    TimeSpan BehindNewestTick,
    TimeSpan Lag);
