using Ferry.Engine.Consumers;

namespace Ferry.Engine.Apply.Handlers;

/// <summary>
/// Applies each table's events with the handler its rule names (<see cref="HandlerRegistry"/>), as one handler for the
/// apply loop and the copies' replay. With one handler for every table the events stream straight through it; with
/// several, each handler's events are held in memory and applied handler after handler in the same transaction (a table has
/// one handler, so the events of each key keep their order).
/// </summary>
/// <param name="byTable">The handler of each source table (as events name it).</param>
/// <param name="fallback">The handler of events whose table is not in <paramref name="byTable"/>, and of an empty batch.</param>
public sealed class TableHandlers(IReadOnlyDictionary<string, IHandler> byTable, IHandler fallback) : IHandler
{
    private readonly IHandler[] _handlers = [.. byTable.Values.Append(fallback).Distinct()];

    /// <summary>True when every handler names the failing event itself.</summary>
    public bool NamesFailingEvent => _handlers.All(h => h.NamesFailingEvent);

    public async Task<HandlerResult> ApplyAsync(HandlerTarget target, IAsyncEnumerable<ApplyEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var used = byTable.Values.Distinct().ToList();
        if (used.Count <= 1)
        {
            return await (used.SingleOrDefault() ?? fallback).ApplyAsync(target, events, cancellationToken).ConfigureAwait(false);
        }
        var held = new Dictionary<IHandler, List<ApplyEvent>>();
        await foreach (var item in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var handler = item.Event.Table is { } table && byTable.TryGetValue(table, out var own) ? own : fallback;
            if (!held.TryGetValue(handler, out var list))
            {
                held[handler] = list = [];
            }
            list.Add(item);
        }
        if (held.Count == 0)
        {
            return await fallback.ApplyAsync(target, AsyncEnumerable.Empty<ApplyEvent>(), cancellationToken).ConfigureAwait(false);
        }
        var applied = 0;
        var replicaRole = true;
        foreach (var (handler, list) in held)
        {
            var result = await handler.ApplyAsync(target, list.ToAsyncEnumerable(), cancellationToken).ConfigureAwait(false);
            applied += result.Events;
            replicaRole &= result.ReplicaRole;
        }
        return new HandlerResult(applied, replicaRole);
    }
}
