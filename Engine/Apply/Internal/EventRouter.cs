using System.Runtime.CompilerServices;
using Ferry.Engine.Consumers;
using Ferry.Engine.Drift;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;

namespace Ferry.Engine.Apply.Internal;

/// <summary>
/// Routes a batch's events for the apply loop: each table's events are applied (checked for drift first), kept while its copy
/// runs, or skipped, by <see cref="CopyHandover.Decide"/>; events of tables without a state row on the target are not applied.
/// </summary>
internal static class EventRouter
{
    public static async IAsyncEnumerable<ApplyEvent> RouteAsync(
        IAsyncEnumerable<ApplyEvent> events, Dictionary<string, TableStateRow> tables, IReadOnlyDictionary<string, TableRule> rules,
        DriftWatch? drift, KeptEventWriter kept, HashSet<string> touched, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var table = item.Event.Table;
            if (table is null || !tables.TryGetValue(table, out var state))
            {
                continue;
            }
            if (!rules.TryGetValue(table, out var rule))
            {
                // A table without a rule here (not valid any more, or retried since this loop was built): its events wait on
                // the target for a loop that has one. New and paused tables pass them over, as below (a copy will take them).
                if (state.State is not (TableState.New or TableState.Paused))
                {
                    await kept.AddAsync(item, cancellationToken).ConfigureAwait(false);
                }
                continue;
            }
            switch (CopyHandover.Decide(state.State, state.CopySnapshot, item.Event.TxId))
            {
                case HandoverAction.Apply:
                    if (drift is not null)
                    {
                        touched.Add(table);
                        yield return await drift.CheckAsync(rule, item, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        yield return item;
                    }
                    break;
                case HandoverAction.Keep:
                    await kept.AddAsync(item, cancellationToken).ConfigureAwait(false);
                    break;
                case HandoverAction.Skip:
                default:
                    break;
            }
        }
    }
}
