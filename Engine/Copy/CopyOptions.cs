namespace Ferry.Engine.Copy;

/// <summary>Settings of table copies.</summary>
public sealed class CopyOptions
{
    /// <summary>At most this many copies run at once (per <see cref="CopyScheduler"/>).</summary>
    public int MaxConcurrentCopies { get; set; } = 2;

    /// <summary>
    /// Drop the target's secondary indexes before the data and build them after it when the source estimates at least this
    /// many rows. Indexes that back constraints (the key, unique constraints) stay.
    /// </summary>
    public long BuildIndexesAfterDataAbove { get; set; } = 100_000;

    /// <summary>How long a <see cref="CopyCoordinator"/> waits before it runs a copy again that failed with a transient error.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often progress is reported while rows stream.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Longest time each statement of a copy may run, on the source (its READ ONLY COPY, where the row filter runs) and on
    /// the target (emptying the filtered rows, loading, building indexes). Raise it for a table that takes longer to copy.
    /// </summary>
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromHours(24);
}
