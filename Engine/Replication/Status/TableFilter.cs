namespace Ferry.Engine.Replication.Status;

/// <summary>A filter on one column of a subscription's tables.</summary>
public sealed record TableFilter(TableColumn Column, TextMatch Match, string? Value = null);
