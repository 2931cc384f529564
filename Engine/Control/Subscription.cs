namespace Ferry.Engine.Control;

/// <summary>A consumer of a set's queue that applies batches to one target node.</summary>
public sealed class Subscription : ITimestamped
{
    public int Id { get; set; }

    public int SetId { get; set; }

    public ReplicationSet? Set { get; set; }

    public int TargetNodeId { get; set; }

    public Node? TargetNode { get; set; }

    /// <summary>The consumer's name in the root's queue; unique per set.</summary>
    public required string ConsumerName { get; set; }

    public SubscriptionState State { get; set; } = SubscriptionState.Active;

    /// <summary>The error that stopped the apply loop; null unless <see cref="State"/> is <see cref="SubscriptionState.Error"/>.</summary>
    public string? LastError { get; set; }

    /// <summary>The id of the event the apply loop failed on, when the failure belongs to one event.</summary>
    public long? LastFailingEventId { get; set; }

    public List<TableRuleRecord> Tables { get; set; } = [];

    public List<SequenceRule> Sequences { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
