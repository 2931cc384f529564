namespace Ferry.Engine.Queue;

/// <summary>What capture costs a queue's database, as read at one moment (<see cref="QueueLoadReader"/>).</summary>
/// <param name="ReadAt">The database's clock when it was read.</param>
/// <param name="EventsWritten">The event sequence's position: events captured since the queue was made (rolled-back writes too).</param>
/// <param name="NewestTickId">The newest tick, null before the first.</param>
/// <param name="TicksKept">Ticks in <c>ferry.tick</c> (kept from the slowest consumer's position on).</param>
/// <param name="OldestUnconsumedTickTime">
/// The time of the oldest tick some consumer has not finished yet (the first tick after the slowest consumer's position); null
/// when every consumer is at the newest tick or there is no consumer.
/// </param>
/// <param name="CurrentTable">The event table capture writes into.</param>
/// <param name="NextTable">The event table the next rotation truncates (the oldest).</param>
/// <param name="LastRotation">When capture last switched tables (or the queue was made).</param>
/// <param name="CapturedTables">Tables whose changes the queue captures.</param>
public sealed record QueueLoad(
    string Queue,
    DateTimeOffset ReadAt,
    long EventsWritten,
    long? NewestTickId,
    DateTimeOffset? NewestTickTime,
    int TicksKept,
    DateTimeOffset? OldestUnconsumedTickTime,
    int CurrentTable,
    int NextTable,
    TimeSpan RotationPeriod,
    DateTimeOffset LastRotation,
    int CapturedTables,
    IReadOnlyList<EventTableLoad> EventTables,
    IReadOnlyList<ConsumerPosition> Consumers)
{
    /// <summary>Bytes of every event table (with indexes and TOAST).</summary>
    public long EventTableBytes => EventTables.Sum(t => t.Bytes);
}
