namespace Ferry.Engine.Replication.Catalog;

/// <summary>The tables a subscription's source (its set's root) offers, as the portal's table picker and the API show them.</summary>
/// <param name="SubscriptionId">The subscription the catalog was read for (<see cref="SourceTable.Target"/> is about it).</param>
/// <param name="RootNodeName">The node that was read.</param>
/// <param name="Tables">Ordinary and partitioned tables outside the system schemas and Ferry's <c>ferry</c> schema, by schema and
/// name; partitions are left out (their partitioned parent replicates them).</param>
public sealed record SourceCatalog(int SubscriptionId, string RootNodeName, IReadOnlyList<SourceTable> Tables);
