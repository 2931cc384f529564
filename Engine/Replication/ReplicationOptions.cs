using System.ComponentModel.DataAnnotations;

namespace Ferry.Engine.Replication;

/// <summary>Settings of the replication loops (section <c>Replication</c>).</summary>
public sealed class ReplicationOptions
{
    public const string Section = "Replication";

    /// <summary>At most this many table copies run at once per subscription.</summary>
    [Range(1, 64)]
    public int MaxConcurrentCopies { get; set; } = 2;

    /// <summary>How often a running apply loop rereads its subscription in the control database (pause, drop, new tables).</summary>
    public TimeSpan ControlPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait for a tick when no batch is ready (a NOTIFY from the ticker ends it early).</summary>
    public TimeSpan IdleWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>First wait after a transient error; doubles up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a starting loop waits for its lock before deciding another process runs it.</summary>
    public TimeSpan LockWait { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// A column added to a source table is added to its target table by Ferry (with the value existing source rows took),
    /// instead of stopping that table until an operator adds it and retries (docs/decisions/ADR-014-exact-row-encoding.md).
    /// Applies to every table rule; one rule asks for it with <c>TableRuleRecord.AddMissingColumns</c>.
    /// </summary>
    public bool AddMissingColumns { get; set; }
}
