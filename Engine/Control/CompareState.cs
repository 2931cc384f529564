namespace Ferry.Engine.Control;

/// <summary>Where a <see cref="CompareReport"/> is. Every state is set by the compare service (Engine/Replication/Compare).</summary>
public enum CompareState
{
    /// <summary>Started: taking the consistent point or walking the table.</summary>
    Running,

    /// <summary>Finished; the counts and differences are complete.</summary>
    Done,

    /// <summary>Could not start (a table still copying, the subscription not reaching the tick); nothing was compared.</summary>
    Refused,

    /// <summary>Stopped by an error (kept in <see cref="CompareReport.Error"/>), or by the process ending.</summary>
    Failed,
}
