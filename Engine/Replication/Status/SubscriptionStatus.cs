using Ferry.Engine.Replication.Sequences;
using Ferry.Engine.Replication.Tables;

namespace Ferry.Engine.Replication.Status;

/// <summary>
/// One subscription's live status: its state, how far behind the queue it is, the last tick it finished, its tables.
/// </summary>
/// <param name="LagSeconds">Seconds since the last tick the subscription finished was made (null when the root did not answer).</param>
/// <param name="PendingEvents">Events queued after that tick (estimate; null when the root did not answer).</param>
/// <param name="LastTick">The last tick the subscription finished on the root.</param>
/// <param name="QueueError">Why the root's queue could not be read, when it could not.</param>
public sealed record SubscriptionStatus(
    int Id, int SetId, string SetName, int TargetNodeId, string TargetNodeName, string ConsumerName, string State, string? LastError,
    double? LagSeconds, long? PendingEvents, long? LastTick, DateTimeOffset? LastTickTime, string? QueueError,
    IReadOnlyList<TableInfo> Tables, IReadOnlyList<SequenceInfo> Sequences);
