namespace Ferry.Engine.Replication.Status;

/// <summary>A sort on one column of a subscription's tables.</summary>
public sealed record TableSort(TableColumn Column, bool Descending = false);
