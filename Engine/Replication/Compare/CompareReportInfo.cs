namespace Ferry.Engine.Replication.Compare;

/// <summary>
/// A compare report as the portal and <c>/api</c> show it. A repair is a report too: <see cref="RepairOf"/> names the report it
/// repaired from, <see cref="RepairWritten"/> and <see cref="RepairDeleted"/> what it did, the rest the compare after it.
/// </summary>
public sealed record CompareReportInfo(
    int Id, int SubscriptionId, int TableId, string Table, string State, string RequestedBy, DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt, long? Tick, IReadOnlyList<string> Columns, IReadOnlyList<string> KeyColumns, long SourceRows,
    long TargetRows, int ChunksDone, int ChunksEstimated, long Missing, long Extra, long Different, int DifferencesKept, string? Error,
    int? RepairOf = null, long? RepairWritten = null, long? RepairDeleted = null)
{
    /// <summary>Whether the compare finished and found the target different from the source.</summary>
    public bool Differs => State == "Done" && Missing + Extra + Different > 0;
}
