using Ferry.Engine.Consumers;

namespace Ferry.Engine.Apply.Handlers;

/// <summary>
/// Applies the events of one batch to the target, inside the transaction the apply loop owns (the handler never commits).
/// Every event's table must have a rule in <see cref="HandlerTarget.Rules"/>; the loop has already dropped the events the
/// table's copy state skips. Per key, the effect must be the one of applying the events in id order: insert and update
/// upsert the full row (or delete its key when the row is outside the filter), delete removes the key, truncate empties
/// the table (the filtered rows only, when the rule has a filter). A handler may use the target connection only between
/// two events it reads, never while it waits for the next one (the loop writes kept events on that connection as they
/// pass), and should hold a bounded part of the batch in memory (docs/architecture.md, "Bounded memory").
/// </summary>
public interface IHandler
{
    /// <summary>
    /// Whether an <see cref="ApplyException"/> of this handler always carries the event that failed. When it does not
    /// (set-based handlers), the apply loop reruns the failed batch with <see cref="RowHandler"/>, rolled back, to find it.
    /// </summary>
    bool NamesFailingEvent => false;

    /// <summary>Applies the events; throws <see cref="ApplyException"/> (wrapping the server's error) when one cannot be.</summary>
    Task<HandlerResult> ApplyAsync(HandlerTarget target, IAsyncEnumerable<ApplyEvent> events, CancellationToken cancellationToken);
}
