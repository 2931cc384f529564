using System.Runtime.CompilerServices;
using Ferry.Engine.Consumers;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ferry.Engine.Apply.Internal;

/// <summary>
/// The apply loop's part of stopping and retrying one table (docs/decisions/ADR-014-exact-row-encoding.md): a table found
/// drifting moves to error inside the batch's transaction, so its events are kept from exactly that batch on; a retried
/// table (back in catching-up) replays its kept events before the batch's own.
/// </summary>
internal static class RetriedTables
{
    /// <summary>Moves each table of <paramref name="stops"/> that is applying (catching-up or ok) to error with its message.</summary>
    public static async Task StopAsync(
        TargetStateStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, Dictionary<string, TableStateRow> tables,
        Dictionary<string, string> stops, CancellationToken cancellationToken)
    {
        foreach (var (table, message) in stops)
        {
            if (tables.TryGetValue(table, out var state) && state.State is TableState.CatchingUp or TableState.Ok)
            {
                await store.MoveTableAsync(connection, transaction, table, TableState.Error, state.CopySnapshot, state.RowsCopied,
                    message, cancellationToken).ConfigureAwait(false);
                tables[table] = state with { State = TableState.Error, Error = message };
            }
        }
    }

    /// <summary>
    /// The kept events of tables a retry moved back to catching-up (copies take their own kept events in their commit, so a
    /// catching-up table with kept events is a retried one), in event order, those the table's copy saw left out.
    /// </summary>
    public static async Task<List<ApplyEvent>> TakeKeptAsync(
        TargetStateStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, Dictionary<string, TableStateRow> tables,
        Dictionary<string, TableRule> rules, ILogger logger, CancellationToken cancellationToken)
    {
        var replay = new List<ApplyEvent>();
        if (!tables.Values.Any(t => t.State == TableState.CatchingUp))
        {
            return replay;
        }
        foreach (var table in await store.GetKeptTablesAsync(connection, transaction, cancellationToken).ConfigureAwait(false))
        {
            if (tables.TryGetValue(table, out var state) && state.State == TableState.CatchingUp && rules.ContainsKey(table))
            {
                var events = (await store.TakePendingAsync(connection, transaction, table, cancellationToken).ConfigureAwait(false))
                    .Where(e => CopyHandover.Decide(TableState.CatchingUp, state.CopySnapshot, e.Event.TxId) == HandoverAction.Apply)
                    .ToList();
                logger.ReplayingKept(store.Subscription, table, events.Count);
                replay.AddRange(events);
            }
        }
        return replay;
    }

    /// <summary><paramref name="first"/>, then <paramref name="rest"/>.</summary>
    public static async IAsyncEnumerable<ApplyEvent> Prepend(
        List<ApplyEvent> first, IAsyncEnumerable<ApplyEvent> rest, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var item in first)
        {
            yield return item;
        }
        await foreach (var item in rest.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }
}
