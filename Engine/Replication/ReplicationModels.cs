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

/// <summary>
/// One subscription as the dashboard and the head of the Tables page show it: the live figures of
/// <see cref="SubscriptionStatus"/>, with its tables counted per state rather than listed, and only the tables that carry
/// an error. Its size does not grow with the number of tables (see <see cref="ReplicationStatusQuery.GetTablesPageAsync"/>
/// for the tables themselves).
/// </summary>
/// <param name="TableCount">Every table of the subscription.</param>
/// <param name="TablesByState">Tables per state (names of <c>Target.TableState</c>); states without tables are left out.</param>
/// <param name="ErrorTableCount">Tables with a last error.</param>
/// <param name="ErrorTables">The first <see cref="ReplicationStatusQuery.ErrorTablesShown"/> of them, by source name.</param>
public sealed record SubscriptionSummary(
    int Id, int SetId, string SetName, int TargetNodeId, string TargetNodeName, string ConsumerName, string State, string? LastError,
    double? LagSeconds, long? PendingEvents, long? LastTick, DateTimeOffset? LastTickTime, string? QueueError,
    int TableCount, IReadOnlyDictionary<string, int> TablesByState, int ErrorTableCount, IReadOnlyList<TableInfo> ErrorTables,
    IReadOnlyList<SequenceInfo> Sequences);

/// <summary>A column of a subscription's tables that a page is sorted or filtered by.</summary>
public enum TableColumn
{
    /// <summary>The source table; filters match <c>schema.table</c> and its quoted form <c>"schema"."table"</c>.</summary>
    Source,

    /// <summary>The target table, matched like <see cref="Source"/>.</summary>
    Target,

    /// <summary>The row filter (no filter is the empty text).</summary>
    Filter,

    /// <summary>The state; filters match its name case-insensitively, spaces ignored (<c>catching up</c> is <c>CatchingUp</c>); sorted in the order of the states' lifecycle.</summary>
    State,

    /// <summary>Rows copied (sorting only).</summary>
    RowsCopied,

    /// <summary>The last error (none is the empty text).</summary>
    LastError,
}

/// <summary>How a <see cref="TableFilter"/> compares a column's text with its value (case-insensitive).</summary>
public enum TextMatch
{
    Contains,
    NotContains,
    Is,
    IsNot,
    StartsWith,
    EndsWith,
    Empty,
    NotEmpty,
}

/// <summary>A filter on one column of a subscription's tables.</summary>
public sealed record TableFilter(TableColumn Column, TextMatch Match, string? Value = null);

/// <summary>A sort on one column of a subscription's tables.</summary>
public sealed record TableSort(TableColumn Column, bool Descending = false);

/// <summary>Which page of a subscription's tables to read, and how to sort and filter them first.</summary>
/// <param name="Page">Zero-based page number.</param>
/// <param name="PageSize">Tables per page, 1 to <see cref="MaxPageSize"/>.</param>
/// <param name="Search">Text that the source, the target or the state contains (case-insensitive); null or blank for every table.</param>
/// <param name="Filters">Every filter must hold.</param>
/// <param name="Sort">First sort first; ties, and no sort, go by source name.</param>
public sealed record TableQuery(
    int Page = 0, int PageSize = 25, string? Search = null, IReadOnlyList<TableFilter>? Filters = null, IReadOnlyList<TableSort>? Sort = null)
{
    public const int MaxPageSize = 1000;
}

/// <summary>One page of a subscription's tables.</summary>
/// <param name="TotalCount">Tables that pass the query's search and filters, on every page.</param>
public sealed record TablePage(IReadOnlyList<TableInfo> Items, int TotalCount);
