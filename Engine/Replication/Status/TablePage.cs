using Ferry.Engine.Replication.Tables;

namespace Ferry.Engine.Replication.Status;

/// <summary>One page of a subscription's tables.</summary>
/// <param name="TotalCount">Tables that pass the query's search and filters, on every page.</param>
public sealed record TablePage(IReadOnlyList<TableInfo> Items, int TotalCount);
