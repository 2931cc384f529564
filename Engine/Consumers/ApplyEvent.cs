using Ferry.Engine.Queue;

namespace Ferry.Engine.Consumers;

/// <summary>
/// One event as the apply side takes it: the queue event and its table's row filter verdict, computed on the source (by the
/// batch source, or <see cref="QueueConsumer.ReadEventsWithFiltersAsync"/>). Handlers apply it; the target keeps it while
/// its table is being copied.
/// </summary>
/// <param name="Event">The queue event.</param>
/// <param name="InFilter">
/// For inserts and updates: whether the new row satisfies the table's row filter (true when the table has none). An insert or
/// update outside the filter means "the row left the filter": its key is deleted on the target. Ignored for deletes and
/// truncates.
/// </param>
public readonly record struct ApplyEvent(QueueEvent Event, bool InFilter = true);
