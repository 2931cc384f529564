using Ferry.Engine.Queue;

namespace Ferry.Engine.Apply;

/// <summary>One error an <see cref="ApplyLoop"/> met (docs/decisions/ADR-017-error-history.md).</summary>
/// <param name="Table">The source table (as events name it) the error belongs to; null when no event was found.</param>
/// <param name="TickId">The tick of the batch being applied; null when the error came before a batch was open.</param>
/// <param name="Transient">Whether it is retried by itself (see <see cref="ApplyErrors"/>).</param>
/// <param name="Message">What went wrong, in Ferry's words with the server's message.</param>
/// <param name="ServerMessage">The server's own message (no detail, no data), or the exception's for errors without a server.</param>
/// <param name="SqlState">The server's SQLSTATE; null for errors that did not come from a server.</param>
/// <param name="Detail">The server's detail (it may show row data: only roles that may see data read it).</param>
/// <param name="Event">The failing event, when known.</param>
/// <param name="Key">The key columns of <paramref name="Table"/>'s rule, to name the failing row.</param>
/// <param name="Ending">What the loop did.</param>
public sealed record ApplyErrorReport(
    string? Table, long? TickId, bool Transient, string Message, string ServerMessage, string? SqlState, string? Detail,
    QueueEvent? Event, IReadOnlyList<string> Key, ApplyErrorEnding Ending);
