using Ferry.Engine.Control;
using Ferry.Engine.Replication.Sequences;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Rules;

namespace Ferry.Engine.Replication.Internal;

/// <summary>The control database's rows as the portal and the API show them.</summary>
internal static class InfoMapping
{
    public static SubscriptionInfo Info(Subscription s) => new(s.Id, s.SetId, s.TargetNodeId, s.ConsumerName, s.State.ToString());

    public static TableInfo Info(TableRuleRecord t) => new(
        t.Id, new TableName(t.SourceSchema, t.SourceTable).Quoted, new TableName(t.TargetSchema, t.TargetTable).Quoted, t.Filter,
        t.KeyColumns, t.State.ToString(), t.RowsCopied, t.RowsEstimated, t.LastError, t.AddMissingColumns, t.Differs, t.NeedsCompare);

    public static SequenceInfo Info(SequenceRule s) => new(
        s.Id, new TableName(s.SourceSchema, s.SourceSequence).Quoted, new TableName(s.TargetSchema, s.TargetSequence).Quoted);
}
