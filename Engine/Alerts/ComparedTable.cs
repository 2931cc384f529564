using Ferry.Engine.Control;
using Ferry.Engine.Monitoring;
using Ferry.Engine.Replication.Status;

namespace Ferry.Engine.Alerts;

/// <summary>A table's last compare, with the names people read.</summary>
internal sealed record ComparedTable(int TableRuleId, string Table, string Subscription, DateTimeOffset ComparedAt, long RowsDiffering);
