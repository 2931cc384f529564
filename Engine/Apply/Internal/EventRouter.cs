using System.Runtime.CompilerServices;
using Ferry.Engine.Consumers;
using Ferry.Engine.Drift;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;

namespace Ferry.Engine.Apply.Internal;

/// <summary>Sends each event of a batch to its handler, to the kept events, or past (the copy handover, docs/architecture.md).</summary>
internal static class EventRouter
{
    /// <summary>
    /// The events to apply: those of tables this loop applies whose handover says apply (checked for drift first when
    /// <paramref name="drift"/> is given, their tables added to <paramref name="touched"/>); events of stopped, copying, or
    /// rule-less tables are kept; those of new and paused tables, and of tables without a state row, are passed over.
    /// </summary>
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
