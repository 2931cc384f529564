namespace Ferry.Engine.Compare;

/// <summary>How a compare walks a table (docs/decisions/ADR-016-compare-and-repair.md).</summary>
public sealed class CompareOptions
{
    /// <summary>
    /// Source rows (after the filter) per top-level chunk. 50,000 made a compare of 2,000,000 rows take about as long as one full
    /// ordered hash of both tables; 10,000 took 40 % longer (CompareMeasurements).
    /// </summary>
    public int ChunkRows { get; init; } = 50_000;

    /// <summary>A differing range with at most this many source rows is compared row by row (key and row hash only).</summary>
    public int LeafRows { get; init; } = 500;

    /// <summary>How many sub-ranges a differing range is split into before it is small enough to compare row by row.</summary>
    public int Fanout { get; init; } = 16;

    /// <summary>Chunks compared at the same time; each takes one connection on the source and one on the target.</summary>
    public int Parallelism { get; init; } = 2;

    /// <summary>Longest wait for the SHARE lock on the source tables (writers wait behind it for as long).</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest wait for the subscription to apply up to the compare's tick; also how long the consumer is held at most.</summary>
    public TimeSpan HoldTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest time one query of the compare may run (a chunk's hash, its boundaries, a leaf's rows).</summary>
    public TimeSpan StatementTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Differences kept with their rows; past it, differences are only counted.</summary>
    public int MaxDifferencesKept { get; init; } = 100_000;

    /// <summary>
    /// A compare or repair runs holding an advisory lock in the control database keyed by its report, so a report left Running
    /// by a process that died stops blocking its table at once. A report no process has claimed yet (its job waits for a
    /// worker) blocks for this long after it was started, then is taken for lost.
    /// </summary>
    public TimeSpan UnclaimedReportTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether the target side is read with the rule's filter too: a resync in place compares and repairs only the rows the
    /// rule owns, leaving the target's other rows (another rule's, or kept outside the filter) untouched
    /// (docs/decisions/ADR-018-compare-portal-and-resync-in-place.md). A compare report reads the whole target table.
    /// </summary>
    public bool FilterTarget { get; init; }

    /// <summary>These options with <see cref="FilterTarget"/> set.</summary>
    public CompareOptions WithFilteredTarget() => new()
    {
        ChunkRows = ChunkRows, LeafRows = LeafRows, Fanout = Fanout, Parallelism = Parallelism, LockTimeout = LockTimeout,
        HoldTimeout = HoldTimeout, StatementTimeout = StatementTimeout, MaxDifferencesKept = MaxDifferencesKept,
        UnclaimedReportTimeout = UnclaimedReportTimeout, FilterTarget = true,
    };

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ChunkRows, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(LeafRows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Fanout, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(Parallelism, 1);
    }
}
