namespace Ferry.Engine.Queue;

/// <summary>One event of a queue as a consumer reads it: a captured row change or, later, a control event.</summary>
/// <param name="Id">Event id, unique within the queue; order of ids within a batch is the apply order.</param>
/// <param name="TxId">Source transaction id (64-bit, epoch included) that wrote the event.</param>
/// <param name="Time">When the event was written (source clock).</param>
/// <param name="Type">One of <see cref="EventTypes"/>.</param>
/// <param name="Table">Source table as <c>schema.table</c> in PostgreSQL's <c>regclass</c> text form (quoted only where needed).</param>
/// <param name="Data">
/// JSON object: the full new row for inserts and updates, the key columns for deletes, null for truncates.
/// Values are PostgreSQL's JSON rendering of each column (<c>row_to_json</c>), which
/// <c>json_populate_record</c> turns back into the exact value.
/// </param>
/// <param name="Extra">Type-specific extra text (null for row changes).</param>
public sealed record QueueEvent(long Id, long TxId, DateTimeOffset Time, string Type, string? Table, string? Data, string? Extra)
{
    /// <summary>How many times the event was sent back to the retry queue before this delivery (0 on first delivery).</summary>
    public int Retry { get; init; }
}
