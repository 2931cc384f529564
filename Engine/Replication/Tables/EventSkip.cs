namespace Ferry.Engine.Replication.Tables;

/// <summary>The one kept event a retry leaves out, and why (docs/decisions/ADR-017-error-history.md).</summary>
/// <param name="EventId">The event's id in its queue.</param>
/// <param name="Reason">Why it is skipped, for the audit trail.</param>
public sealed record EventSkip(long EventId, string Reason);
