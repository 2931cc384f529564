namespace Ferry.Engine.Queue;

/// <summary>A consumer's position, and whether the event table the next rotation truncates still holds events it needs.</summary>
/// <param name="BlocksRotation">
/// True when the oldest event table holds an event this consumer's last finished tick does not include: rotation cannot
/// truncate that table (and the queue keeps growing) until the consumer passes it.
/// </param>
public sealed record ConsumerPosition(
    string Consumer, long LastTickId, DateTimeOffset LastTickTime, long PendingEvents, TimeSpan Lag, bool BlocksRotation);
