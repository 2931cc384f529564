namespace Ferry.Engine.Consumers;

/// <summary>What to read of a batch and how.</summary>
public sealed record BatchReadOptions
{
    /// <summary>Events fetched per round trip (the cursor's FETCH size); memory use is bounded by this, not by the batch.</summary>
    public int ChunkSize { get; init; } = 5000;

    /// <summary>
    /// When set, only events of these tables (regclass text, as in <see cref="Queue.QueueEvent.Table"/>) and events
    /// without a table are read.
    /// </summary>
    public IReadOnlyCollection<string>? Tables { get; init; }

    /// <summary>
    /// Per table (regclass text), a SQL boolean expression evaluated on the source for each of that table's events;
    /// events for which it is not true are skipped. It may use the event's columns <c>ev_type</c> (text),
    /// <c>ev_data</c> (json), <c>ev_extra</c> (text) and <c>ev_table</c>; <c>ferry.text_row(ev_data, ev_extra)</c> gives the row
    /// as a text row (docs/decisions/ADR-014-exact-row-encoding.md), e.g.
    /// <c>(json_populate_record(null::app.orders, ferry.text_row(ev_data, ev_extra))).region = 'EU'</c>.
    /// The expression is SQL text put into the query as is: it must come from a trusted, validated rule, never
    /// straight from a user. It sees delete events too, whose row is the old one (only its key in events written before
    /// queue schema v5), and truncate events, whose data is null: say what those should do (e.g. <c>ev_type IN ('D', 'T') OR ...</c>).
    /// </summary>
    public IReadOnlyDictionary<string, string>? Filters { get; init; }
}
