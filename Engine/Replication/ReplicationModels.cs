namespace Ferry.Engine.Replication;

/// <summary>A replication set as the portal and the API show it.</summary>
public sealed record SetInfo(int Id, string Name, int RootNodeId, string QueueName);

/// <summary>A subscription as the portal and the API show it (without live figures; see <see cref="SubscriptionStatus"/>).</summary>
public sealed record SubscriptionInfo(int Id, int SetId, int TargetNodeId, string ConsumerName, string State);

/// <summary>What a user asks for when adding a table to a subscription.</summary>
/// <param name="Source">The source table as <c>schema.table</c>.</param>
/// <param name="Target">The target table as <c>schema.table</c>; null for the source's name.</param>
/// <param name="Filter">Row filter: a SQL boolean expression over the source row; null for every row.</param>
/// <param name="Key">Name of a unique index over NOT NULL columns to use as key; null for the primary key.</param>
/// <param name="CreateTarget">Create the target table from the source definition when it does not exist.</param>
public sealed record AddTableRequest(
    string Source, string? Target = null, string? Filter = null, string? Key = null, bool CreateTarget = false);

/// <summary>One table of a subscription: its rule, state and copy progress.</summary>
public sealed record TableInfo(
    int Id, string Source, string Target, string? Filter, IReadOnlyList<string> Key, string State, long RowsCopied, long? RowsEstimated,
    string? LastError);

/// <summary>One sequence of a subscription.</summary>
public sealed record SequenceInfo(int Id, string Source, string Target);

/// <summary>
/// One subscription's live status: its state, how far behind the queue it is, the last tick it finished, its tables.
/// </summary>
/// <param name="LagSeconds">Seconds since the last tick the subscription finished was made (null when the root did not answer).</param>
/// <param name="PendingEvents">Events queued after that tick (estimate; null when the root did not answer).</param>
/// <param name="LastTick">The last tick the subscription finished on the root.</param>
/// <param name="QueueError">Why the root's queue could not be read, when it could not.</param>
public sealed record SubscriptionStatus(
    int Id, int SetId, string SetName, int TargetNodeId, string TargetNodeName, string ConsumerName, string State, string? LastError,
    double? LagSeconds, long? PendingEvents, long? LastTick, DateTimeOffset? LastTickTime, string? QueueError,
    IReadOnlyList<TableInfo> Tables, IReadOnlyList<SequenceInfo> Sequences);
