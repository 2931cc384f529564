namespace Ferry.Engine.Replication.Status;

/// <summary>
/// One target table that several sets write (a merge, docs/decisions/ADR-021-merge.md), shown once with its sources.
/// </summary>
/// <param name="TargetNodeId">The node holding the table.</param>
/// <param name="TargetNodeName">Its name.</param>
/// <param name="Target">The target table, quoted <c>schema.table</c>.</param>
/// <param name="Sources">Every table rule writing it, by set name.</param>
public sealed record MergedTable(int TargetNodeId, string TargetNodeName, string Target, IReadOnlyList<MergeSource> Sources);
