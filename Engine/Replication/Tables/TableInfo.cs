namespace Ferry.Engine.Replication.Tables;

/// <summary>One table of a subscription: its rule, state and copy progress.</summary>
public sealed record TableInfo(
    int Id, string Source, string Target, string? Filter, IReadOnlyList<string> Key, string State, long RowsCopied, long? RowsEstimated,
    string? LastError, bool? Differs = null);
