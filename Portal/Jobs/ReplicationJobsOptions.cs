using System.ComponentModel.DataAnnotations;

namespace Ferry.Portal.Jobs;

/// <summary>Settings of the replication jobs (section <c>ReplicationJobs</c>).</summary>
public sealed class ReplicationJobsOptions
{
    public const string Section = "ReplicationJobs";

    /// <summary>
    /// Workers of the Hangfire server that runs the long-running loops (one per set's ticker, one per active subscription),
    /// on queue <see cref="ReplicationQueues.Loops"/>. Loops beyond this number wait for a free worker; short jobs are not
    /// affected, they run on the portal's other server.
    /// </summary>
    [Range(1, 1000)]
    public int LoopWorkers { get; set; } = 20;

    /// <summary>
    /// How often each process that runs jobs looks for loops that should run and whose lock nobody holds (a process died),
    /// and starts them: a dead process's loops run again elsewhere within about this long plus a job start
    /// (docs/decisions/ADR-008-shared-key-ring-and-loop-takeover.md).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan TakeoverInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>When the supervisor job also looks for loops that should run and do not (cron, UTC): the last resort.</summary>
    [Required]
    public string SupervisorCron { get; set; } = "* * * * *";

    /// <summary>When queue maintenance runs (rotation, retries, tick cleanup).</summary>
    [Required]
    public string MaintenanceCron { get; set; } = "* * * * *";

    /// <summary>When sequence values are carried to the targets.</summary>
    [Required]
    public string SequenceSyncCron { get; set; } = "* * * * *";
}
