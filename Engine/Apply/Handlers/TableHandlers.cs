using Ferry.Engine.Consumers;

namespace Ferry.Engine.Apply.Handlers;

/// <summary>
/// Applies each table's events with the handler its rule names (<see cref="HandlerRegistry"/>), as one handler for the
/// apply loop and the copies' replay. With one handler for every table the events stream straight through it; with
/// several, each handler's events are gathered, at most <see cref="HeldPerHandler"/> at a time, and handed to it when that
/// many are held and at the end, all in the same transaction (a table has one handler, so the events of each key keep their
/// order; a handler may be called several times in one batch).
/// </summary>
/// <param name="byTable">The handler of each source table (as events name it).</param>
/// <param name="fallback">The handler of events whose table is not in <paramref name="byTable"/>, and of an empty batch.</param>
public sealed class TableHandlers(IReadOnlyDictionary<string, IHandler> byTable, IHandler fallback) : IHandler
{
    /// <summary>Events held for one handler before they are applied, when several handlers share a batch.</summary>
    public const int HeldPerHandler = 10_000;

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
        var total = new HandlerResult(0, true);
        var calls = 0;
        await foreach (var item in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var handler = item.Event.Table is { } table && byTable.TryGetValue(table, out var own) ? own : fallback;
            if (!held.TryGetValue(handler, out var list))
            {
                held[handler] = list = [];
            }
            list.Add(item);
            if (list.Count >= HeldPerHandler)
            {
                total = Add(total, await handler.ApplyAsync(target, list.ToAsyncEnumerable(), cancellationToken).ConfigureAwait(false));
                calls++;
                list.Clear();
            }
        }
        foreach (var (handler, list) in held)
        {
            if (list.Count > 0)
            {
                total = Add(total, await handler.ApplyAsync(target, list.ToAsyncEnumerable(), cancellationToken).ConfigureAwait(false));
                calls++;
            }
        }
        return calls == 0
            ? await fallback.ApplyAsync(target, AsyncEnumerable.Empty<ApplyEvent>(), cancellationToken).ConfigureAwait(false)
            : total;
    }

    private static HandlerResult Add(HandlerResult total, HandlerResult one) =>
        new(total.Events + one.Events, total.ReplicaRole && one.ReplicaRole, total.Chunks + one.Chunks);
}
