using Ferry.Engine.Target;

namespace Ferry.Engine.Control;

/// <summary>
/// A table rule as the control database stores it: which source table goes to which target table of one subscription, how,
/// and where it stands (mirrored from the target). The loops never use it as is: the subscription runner validates it into a
/// <see cref="Rules.TableRule"/> against the nodes first.
/// </summary>
public sealed class TableRuleRecord : ITimestamped
{
    /// <summary>The entity type audit entries name (kept from before the class was called TableRuleRecord).</summary>
    public const string AuditEntityType = "TableRule";

    public int Id { get; set; }

    public int SubscriptionId { get; set; }

    public Subscription? Subscription { get; set; }

    public required string SourceSchema { get; set; }

    public required string SourceTable { get; set; }

    public required string TargetSchema { get; set; }

    public required string TargetTable { get; set; }

    /// <summary>A SQL boolean expression on the source row; only matching rows are copied and applied. Null: every row.</summary>
    public string? Filter { get; set; }

    /// <summary>The columns that identify a row (the primary key unless the operator chose others).</summary>
    public List<string> KeyColumns { get; set; } = [];

    /// <summary>
    /// The name of the handler that applies this table's events, one of <c>HandlerRegistry.Names</c>
    /// (Engine/Apply/Handlers/HandlerRegistry.cs); null for the default (<c>bulk</c>). An unknown name stops the table with an error.
    /// </summary>
    public string? HandlerName { get; set; }

    /// <summary>
    /// A column added to the source table is added to the target table by Ferry (same type, the value existing source rows
    /// took) instead of stopping the table until an operator adds it and retries (docs/decisions/ADR-014-exact-row-encoding.md).
    /// The engine-wide <c>Replication:AddMissingColumns</c> turns it on for every rule.
    /// </summary>
    public bool AddMissingColumns { get; set; }

    public TableState State { get; set; } = TableState.New;

    /// <summary>The error behind <see cref="TableState.Error"/>; null otherwise.</summary>
    public string? LastError { get; set; }

    /// <summary>Rows copied so far by the current or last copy.</summary>
    public long RowsCopied { get; set; }

    /// <summary>The planner's estimate of the source rows when the copy started (pg_class.reltuples); null when unknown.</summary>
    public long? RowsEstimated { get; set; }

    /// <summary>
    /// Whether the last finished compare found the target table different from the source; null when it was not compared
    /// since its last copy. Set by: the compare service (Engine/Replication/Compare); cleared by a resync.
    /// </summary>
    public bool? Differs { get; set; }

    /// <summary>
    /// An operator skipped an event of this table (docs/decisions/ADR-017-error-history.md): the target may miss that change
    /// until a compare (and repair) or a resync. Set by: the skip; cleared by a finished compare or a resync.
    /// </summary>
    public bool NeedsCompare { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
