using Ferry.Engine.Replication.Sequences;
using Ferry.Engine.Replication.Tables;

namespace Ferry.Engine.Replication.Status;

/// <summary>
/// One subscription as the dashboard and the head of the Tables page show it: the live figures of
/// <see cref="SubscriptionStatus"/>, with its tables counted per state rather than listed, and only the tables that carry
/// an error. Its size does not grow with the number of tables (see <see cref="ReplicationStatusQuery.GetTablesPageAsync"/>
/// for the tables themselves).
/// </summary>
/// <param name="TableCount">Every table of the subscription.</param>
/// <param name="TablesByState">Tables per state (names of <c>Control.TableState</c>); states without tables are left out.</param>
/// <param name="ErrorTableCount">Tables with a last error.</param>
/// <param name="DifferingTableCount">Tables whose last compare found the target different (docs/decisions/ADR-016-compare-and-repair.md).</param>
/// <param name="ErrorTables">The first <see cref="ReplicationStatusQuery.ErrorTablesShown"/> of them, by source name.</param>
public sealed record SubscriptionSummary(
    int Id, int SetId, string SetName, int TargetNodeId, string TargetNodeName, string ConsumerName, string State, string? LastError,
    double? LagSeconds, long? PendingEvents, long? LastTick, DateTimeOffset? LastTickTime, string? QueueError,
    int TableCount, IReadOnlyDictionary<string, int> TablesByState, int ErrorTableCount, IReadOnlyList<TableInfo> ErrorTables,
    IReadOnlyList<SequenceInfo> Sequences, int DifferingTableCount = 0);
