using System.ComponentModel.DataAnnotations;

namespace Ferry.Portal.Jobs;

/// <summary>Settings of the in-process Hangfire server (section <c>Jobs</c>).</summary>
public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>Run the Hangfire server in this process. Tests turn it off; the storage and dashboard stay.</summary>
    public bool RunServer { get; set; } = true;

    [Range(1, 64)]
    public int WorkerCount { get; set; } = 4;

    /// <summary>When the node health probe runs (cron, UTC).</summary>
    [Required]
    public string NodeProbeCron { get; set; } = "*/5 * * * *";
}
