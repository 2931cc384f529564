namespace Ferry.Engine.Control;

/// <summary>
/// One compare of a table rule: when, by whom, at which tick, and what it found (docs/decisions/ADR-016-compare-and-repair.md).
/// Kept with its history; the differing rows are <see cref="CompareDifference"/>s.
/// </summary>
public sealed class CompareReport
{
    public int Id { get; set; }

    public int SubscriptionId { get; set; }

    public int TableRuleId { get; set; }

    public TableRuleRecord? TableRule { get; set; }

    /// <summary>Where the compare is. Set by: the compare service only.</summary>
    public CompareState State { get; set; } = CompareState.Running;

    public required string RequestedBy { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>The tick both sides were read at; null until the consistent point is taken.</summary>
    public long? Tick { get; set; }

    /// <summary>The rule's columns at the compare, in the order of <see cref="CompareDifference.SourceRow"/>.</summary>
    public List<string> Columns { get; set; } = [];

    /// <summary>The key columns, in the order of <see cref="CompareDifference.Key"/>.</summary>
    public List<string> KeyColumns { get; set; } = [];

    public long SourceRows { get; set; }

    public long TargetRows { get; set; }

    public int ChunksDone { get; set; }

    public int ChunksEstimated { get; set; }

    public int DifferingChunks { get; set; }

    public long Missing { get; set; }

    public long Extra { get; set; }

    public long Different { get; set; }

    /// <summary>Differences stored with their rows (at most the compare's limit; the counts are always complete).</summary>
    public int DifferencesKept { get; set; }

    /// <summary>
    /// Set when this report is a repair: the report it repairs from. Its run writes the rows first (<see cref="RepairWritten"/>,
    /// <see cref="RepairDeleted"/>), then compares the table again into this report.
    /// </summary>
    public int? RepairOfReportId { get; set; }

    /// <summary>Rows a repair wrote on the target (missing and different); null until it has written them.</summary>
    public long? RepairWritten { get; set; }

    /// <summary>Rows a repair deleted on the target (extra); null until it has deleted them.</summary>
    public long? RepairDeleted { get; set; }

    /// <summary>Why the compare was refused or failed.</summary>
    public string? Error { get; set; }

    /// <summary>Whether a finished compare found the target different from the source.</summary>
    public bool Differs => State == CompareState.Done && Missing + Extra + Different > 0;
}
