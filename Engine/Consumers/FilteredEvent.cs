using Ferry.Engine.Queue;

namespace Ferry.Engine.Consumers;

/// <summary>An event with its table's row filter verdict, computed on the source.</summary>
/// <param name="InFilter">
/// For inserts and updates of a table with a row filter: whether the new row satisfies it (a NULL result counts as
/// false). True for every other event.
/// </param>
public sealed record FilteredEvent(QueueEvent Event, bool InFilter);
