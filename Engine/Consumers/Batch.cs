namespace Ferry.Engine.Consumers;

/// <summary>
/// One batch of a consumer: the events committed between two ticks, (<see cref="PreviousTickId"/>, <see cref="TickId"/>].
/// <see cref="TickId"/> identifies the batch: a target that stores it can tell an applied batch from a new one.
/// </summary>
public sealed record Batch(
    string Queue,
    string Consumer,
    long TickId,
    DateTimeOffset TickTime,
    long PreviousTickId,
    DateTimeOffset PreviousTickTime)
{
    internal BatchBounds Bounds { get; init; } = null!;
}

/// <summary>The two ticks' snapshots and where the events are: what the event query needs.</summary>
internal sealed record BatchBounds(
    long PreviousXmax, long[] PreviousXip, long Xmin, long Xmax, long[] Xip, int ConsumerId, string EventTable);
