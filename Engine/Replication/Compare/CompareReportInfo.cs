namespace Ferry.Engine.Replication.Compare;

/// <summary>A compare report as the portal and <c>/api</c> show it.</summary>
public sealed record CompareReportInfo(
    int Id, int SubscriptionId, int TableId, string Table, string State, string RequestedBy, DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt, long? Tick, IReadOnlyList<string> Columns, IReadOnlyList<string> KeyColumns, long SourceRows,
    long TargetRows, int ChunksDone, int ChunksEstimated, long Missing, long Extra, long Different, int DifferencesKept, string? Error)
{
    /// <summary>Whether the compare finished and found the target different from the source.</summary>
    public bool Differs => State == "Done" && Missing + Extra + Different > 0;
}
