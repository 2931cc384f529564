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

    /// <summary>When the supervisor looks for loops that should run and do not (cron, UTC).</summary>
    [Required]
    public string SupervisorCron { get; set; } = "* * * * *";

    /// <summary>When queue maintenance runs (rotation, retries, tick cleanup).</summary>
    [Required]
    public string MaintenanceCron { get; set; } = "* * * * *";

    /// <summary>When sequence values are carried to the targets.</summary>
    [Required]
    public string SequenceSyncCron { get; set; } = "* * * * *";
}
