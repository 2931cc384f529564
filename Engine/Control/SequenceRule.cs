namespace Ferry.Engine.Control;

/// <summary>A source sequence whose value a subscription carries over to a target sequence.</summary>
public sealed class SequenceRule : ITimestamped
{
    public int Id { get; set; }

    public int SubscriptionId { get; set; }

    public Subscription? Subscription { get; set; }

    public required string SourceSchema { get; set; }

    public required string SourceSequence { get; set; }

    public required string TargetSchema { get; set; }

    public required string TargetSequence { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
