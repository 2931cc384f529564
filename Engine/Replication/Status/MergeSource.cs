namespace Ferry.Engine.Replication.Status;

/// <summary>One source of a <see cref="MergedTable"/>: its set, subscription, table rule, the rows it owns and its state.</summary>
public sealed record MergeSource(
    string SetName, int SubscriptionId, int TableId, string Source, string? OwnedRows, string State, string? LastError);
