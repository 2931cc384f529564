namespace Ferry.Engine.Errors;

/// <summary>
/// One error of a group. <paramref name="Key"/>, <paramref name="Row"/> and <paramref name="Detail"/> show row data: they are
/// null for Viewers (docs/decisions/ADR-017-error-history.md), and <paramref name="Message"/> is then the server's message alone.
/// </summary>
/// <param name="Ending">What the loop did: Retrying, TableStopped or SubscriptionStopped.</param>
/// <param name="Operation">The failing event's operation: I, U, D or T.</param>
/// <param name="Key">The failing row's key columns and values, a JSON object.</param>
/// <param name="Row">The failing row, a JSON object.</param>
public sealed record ErrorOccurrenceInfo(
    long Id, DateTimeOffset At, long? TickId, string Message, string? Detail, string Ending, long? EventId, string? Operation,
    string? Key, string? Row);
