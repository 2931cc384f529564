using Ferry.Engine.Queue;

namespace Ferry.Engine.Consumers;

/// <summary>
/// One batch of a consumer: the events committed between two ticks, (<see cref="PreviousTickId"/>, <see cref="TickId"/>]. An
/// event belongs to it when its transaction is visible in <see cref="EndSnapshot"/> and not in <see cref="StartSnapshot"/>
/// (docs/decisions/ADR-003-queue-capture-and-batches.md). <see cref="TickId"/> identifies the batch: a target that records it
/// in the apply transaction can tell an applied batch from a new one.
/// </summary>
/// <param name="Queue">The queue's name.</param>
/// <param name="Consumer">The consumer's name.</param>
/// <param name="TickId">The tick that closes the batch.</param>
/// <param name="TickTime">When that tick was made (source clock).</param>
/// <param name="PreviousTickId">The tick the batch starts after: the consumer's last finished tick.</param>
/// <param name="PreviousTickTime">When that tick was made.</param>
/// <param name="StartSnapshot">
/// The txid snapshot of the previous tick. The apply loop compares it with a table's copy snapshot to see when a catching-up
/// table is caught up.
/// </param>
/// <param name="EndSnapshot">The txid snapshot of the tick that closes the batch.</param>
public sealed record Batch(
    string Queue,
    string Consumer,
    long TickId,
    DateTimeOffset TickTime,
    long PreviousTickId,
    DateTimeOffset PreviousTickTime,
    TxidSnapshot StartSnapshot,
    TxidSnapshot EndSnapshot)
{
    /// <summary>
    /// Where the batch's events are: set by the <see cref="QueueConsumer"/> that opened it, null on a batch built by hand.
    /// </summary>
    internal BatchLocation? Location { get; init; }
}

/// <summary>The consumer (for retry events) and the queue's event table: what the event query needs besides the snapshots.</summary>
internal sealed record BatchLocation(int ConsumerId, string EventTable);
