namespace Ferry.Engine.Control;

/// <summary>
/// One error of an <see cref="ErrorGroup"/>: when, the batch, the server's words, and the failing event. A group keeps its
/// latest <c>Errors:OccurrencesPerGroup</c> (docs/decisions/ADR-017-error-history.md).
/// </summary>
public sealed class ErrorOccurrence
{
    public long Id { get; set; }

    public long GroupId { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>The tick of the batch being applied; null when no batch was open.</summary>
    public long? TickId { get; set; }

    /// <summary>Ferry's message with the server's (its detail may show row data: shown only to roles that may see data).</summary>
    public required string Message { get; set; }

    /// <summary>The server's message alone (no detail, no data).</summary>
    public required string ServerMessage { get; set; }

    /// <summary>The server's detail; may show row data.</summary>
    public string? Detail { get; set; }

    /// <summary>What the loop did: <c>Retrying</c>, <c>TableStopped</c>, <c>SubscriptionStopped</c>, <c>Failed</c>.</summary>
    public required string Ending { get; set; }

    /// <summary>The failing event's id in its queue; null when no event was found.</summary>
    public long? EventId { get; set; }

    /// <summary>I, U, D or T.</summary>
    public string? Operation { get; set; }

    /// <summary>The failing row's key as a JSON object (column to value text).</summary>
    public string? Key { get; set; }

    /// <summary>The failing row as a JSON object (column to value text); shown only to roles that may see data.</summary>
    public string? Row { get; set; }
}
