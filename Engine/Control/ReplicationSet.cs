namespace Ferry.Engine.Control;

/// <summary>A replication set: one root node, its queue, and the subscriptions of target nodes.</summary>
public sealed class ReplicationSet : ITimestamped
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public int RootNodeId { get; set; }

    public Node? RootNode { get; set; }

    /// <summary>The queue's name inside the root database.</summary>
    public required string QueueName { get; set; }

    public List<Subscription> Subscriptions { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
