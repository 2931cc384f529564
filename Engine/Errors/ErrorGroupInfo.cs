namespace Ferry.Engine.Errors;

/// <summary>One group of errors of one cause as the portal and /api show it (docs/decisions/ADR-017-error-history.md).</summary>
/// <param name="Table">The source table as events name it; null for the subscription's own errors.</param>
/// <param name="Status">Retrying, Failing, RetryRequested, Passed, Skipped or Resynced.</param>
/// <param name="Message">The latest occurrence's message: Ferry's words with the server's detail for roles that may see data,
/// the server's message alone for Viewers.</param>
/// <param name="Resolution">How it ended, with who and why when an operator ended it.</param>
public sealed record ErrorGroupInfo(
    long Id, int SubscriptionId, int? TableRuleId, string? Table, string SqlState, string Cause, bool Transient, string Status,
    long Count, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, DateTimeOffset? ClosedAt, string? Resolution, string? Message);
