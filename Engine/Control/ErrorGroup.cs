namespace Ferry.Engine.Control;

/// <summary>
/// The errors of one cause: one subscription, one table (or none), one SQLSTATE, one normalised message; a thousand retries
/// of one cause are one group with a count (docs/decisions/ADR-017-error-history.md). Written by the error journal
/// (Engine/Errors) and the error actions (Engine/Replication/Errors); closed groups are pruned after <c>Errors:KeepClosed</c>.
/// </summary>
public sealed class ErrorGroup
{
    public long Id { get; set; }

    public int SubscriptionId { get; set; }

    /// <summary>The table rule the errors belong to; null for the subscription's own errors.</summary>
    public int? TableRuleId { get; set; }

    /// <summary>The source table as events name it, kept when the rule is removed; null for the subscription's own errors.</summary>
    public string? SourceTable { get; set; }

    /// <summary>The server's SQLSTATE; empty for errors that did not come from a server.</summary>
    public required string SqlState { get; set; }

    /// <summary>The message with numbers and quoted values taken out: what groups the errors.</summary>
    public required string Cause { get; set; }

    /// <summary>Whether the errors are retried by the loop by themselves.</summary>
    public bool Transient { get; set; }

    public ErrorStatus Status { get; set; }

    public long Count { get; set; }

    public DateTimeOffset FirstSeen { get; set; }

    public DateTimeOffset LastSeen { get; set; }

    /// <summary>When it ended (passed, skipped, resynced); null while open.</summary>
    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>Who ended it and why (an operator's skip reason), when an operator did.</summary>
    public string? Resolution { get; set; }

    public List<ErrorOccurrence> Occurrences { get; set; } = [];
}
