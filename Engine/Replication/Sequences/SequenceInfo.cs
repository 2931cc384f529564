namespace Ferry.Engine.Replication.Sequences;

/// <summary>One sequence of a subscription.</summary>
public sealed record SequenceInfo(int Id, string Source, string Target);
