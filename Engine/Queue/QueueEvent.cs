namespace Ferry.Engine.Queue;

/// <summary>One event of a queue as a consumer reads it: a captured row change or, later, a control event.</summary>
/// <param name="Id">Event id, unique within the queue; order of ids within a batch is the apply order.</param>
/// <param name="TxId">Source transaction id (64-bit, epoch included) that wrote the event.</param>
/// <param name="Time">When the event was written (source clock).</param>
/// <param name="Type">One of <see cref="EventTypes"/>.</param>
/// <param name="Table">Source table as <c>schema.table</c> in PostgreSQL's <c>regclass</c> text form (quoted only where needed).</param>
/// <param name="Data">
/// The row of an insert, update or delete (the new row; for deletes the old row, or only its key in events written before
/// queue schema v5), null for truncates, in one of the encodings of <see cref="EventRow"/>: as the queue holds it, the
/// column names (v5, the row itself is in <paramref name="Extra"/>) or <c>row_to_json</c> of the row (before v5); as the
/// apply side reads it, a text row (<see cref="EventRow.ToTextRow"/>).
/// </param>
/// <param name="Extra">For row changes of queue schema v5: the row in record text form (see <see cref="EventRow"/>).</param>
public sealed record QueueEvent(long Id, long TxId, DateTimeOffset Time, string Type, string? Table, string? Data, string? Extra)
{
    /// <summary>How many times the event was sent back to the retry queue before this delivery (0 on first delivery).</summary>
    public int Retry { get; init; }

    /// <summary>The column names of <see cref="Data"/> when known without parsing it (set by <see cref="EventRow.ToTextRow"/>).</summary>
    public IReadOnlyList<string>? Columns { get; init; }
}
