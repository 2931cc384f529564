namespace Ferry.Engine.Control;

/// <summary>
/// The outcome of the last compare of a table rule: when, at which tick, how many rows differ. Written by compare and repair
/// (not built yet: today only tests and scripts write it); read by the <see cref="AlertKind.CompareDifferences"/> rule, which
/// fires while <see cref="RowsDiffering"/> is above zero and resolves when a later compare finds none.
/// </summary>
public sealed class TableCompareResult
{
    /// <summary>The table rule compared (one row per table: the last compare).</summary>
    public int TableRuleId { get; set; }

    public DateTimeOffset ComparedAt { get; set; }

    /// <summary>The tick both sides were compared at, when known.</summary>
    public long? TickId { get; set; }

    public long RowsDiffering { get; set; }
}
