namespace Ferry.Engine.Replication.Tables;

/// <summary>One table of a subscription: its rule, state and copy progress.</summary>
/// <param name="Differs">Whether the last compare found the target different; null when not compared since the last copy.</param>
/// <param name="NeedsCompare">An event of the table was skipped since its last compare or copy: compare it.</param>
/// <param name="AddMissingColumns">Columns added to the source are added to the target by Ferry (see <see cref="AddTableRequest"/>).</param>
public sealed record TableInfo(
    int Id, string Source, string Target, string? Filter, IReadOnlyList<string> Key, string State, long RowsCopied, long? RowsEstimated,
    string? LastError, bool AddMissingColumns = false, bool? Differs = null, bool NeedsCompare = false);
