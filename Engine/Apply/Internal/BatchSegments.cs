using System.Runtime.CompilerServices;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Drift;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;

namespace Ferry.Engine.Apply.Internal;

/// <summary>
/// Feeds a batch's events to its handler a segment at a time: a step event (<see cref="IBatchSteps.IsStep"/>) ends a segment,
/// runs on the target once the handler has written the segment, and the rules it changed are put in place for the events
/// after it, all in the batch's one transaction (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md).
/// </summary>
internal static class BatchSegments
{
    /// <returns>What the handler did, and whether a step ran (the loop builds its rules again after the batch).</returns>
    public static async Task<(HandlerResult Result, bool Stepped)> ApplyAsync(
        IHandler with, HandlerTarget target, Dictionary<string, TableRule> rules, IAsyncEnumerable<ApplyEvent> events,
        Func<IAsyncEnumerable<ApplyEvent>, IAsyncEnumerable<ApplyEvent>> route, IBatchSteps? steps, DriftWatch? drift,
        CancellationToken cancellationToken)
    {
        if (steps is null)
        {
            return (await with.ApplyAsync(target, route(events), cancellationToken).ConfigureAwait(false), false);
        }
        await using var source = events.GetAsyncEnumerator(cancellationToken);
        var total = new HandlerResult(0, true);
        var stepped = false;
        while (true)
        {
            var segment = new Segment(source, steps);
            var one = await with.ApplyAsync(target, route(segment.ReadAsync(cancellationToken)), cancellationToken).ConfigureAwait(false);
            total = new HandlerResult(total.Events + one.Events, total.ReplicaRole && one.ReplicaRole, total.Chunks + one.Chunks);
            if (segment.Step is not { } step)
            {
                return (total, stepped);
            }
            foreach (var rule in await steps.RunStepAsync(step, target, cancellationToken).ConfigureAwait(false))
            {
                rules[rule.SourceTable] = rule;
            }
            // The events after the step are checked against the source's columns as they are now.
            drift?.Forget();
            stepped = true;
        }
    }

    /// <summary>The events up to the next step (left in <see cref="Step"/>) or the end.</summary>
    private sealed class Segment(IAsyncEnumerator<ApplyEvent> source, IBatchSteps steps)
    {
        public QueueEvent? Step { get; private set; }

        public async IAsyncEnumerable<ApplyEvent> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            while (await source.MoveNextAsync().ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (steps.IsStep(source.Current.Event))
                {
                    Step = source.Current.Event;
                    yield break;
                }
                yield return source.Current;
            }
        }
    }
}
