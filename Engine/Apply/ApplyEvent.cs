using Ferry.Engine.Queue;

namespace Ferry.Engine.Apply;

/// <summary>One event as handlers take it: the queue event and the row filter's verdict, computed on the source.</summary>
/// <param name="Event">The queue event.</param>
/// <param name="InFilter">
/// For inserts and updates: whether the new row satisfies the table's row filter (true when the table has none). An insert or
/// update outside the filter means "the row left the filter": its key is deleted on the target. Ignored for deletes and
/// truncates.
/// </param>
public readonly record struct ApplyEvent(QueueEvent Event, bool InFilter = true);
