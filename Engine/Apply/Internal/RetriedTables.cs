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
    /// <summary>Kept events judged again by the row filter per round trip to the source.</summary>
    private const int JudgeChunk = 1000;

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
    /// catching-up table with kept events is a retried one), in event order, those the table's copy saw left out; streamed
    /// a chunk at a time (<see cref="KeptEvents.TakePendingAsync"/>). A filtered table's events get their row filter verdicts
    /// again, a chunk at a time (<see cref="IBatchSource.JudgeAsync"/>): those kept while its rule did not validate were kept
    /// without one (docs/decisions/ADR-014-exact-row-encoding.md).
    /// </summary>
    public static async IAsyncEnumerable<ApplyEvent> TakeKeptAsync(
        TargetStateStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, Dictionary<string, TableStateRow> tables,
        Dictionary<string, TableRule> rules, IBatchSource batches, ILogger logger, List<string> replayed,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!tables.Values.Any(t => t.State == TableState.CatchingUp))
        {
            yield break;
        }
        foreach (var table in await store.GetKeptTablesAsync(connection, transaction, cancellationToken).ConfigureAwait(false))
        {
            if (tables.TryGetValue(table, out var state) && state.State == TableState.CatchingUp && rules.ContainsKey(table))
            {
                var count = 0;
                var filters = rules[table].Filter is { } filter
                    ? new Dictionary<string, string>(StringComparer.Ordinal) { [table] = filter }
                    : null;
                var chunk = new List<ApplyEvent>(JudgeChunk);
                await foreach (var item in store.TakePendingAsync(connection, transaction, table, cancellationToken).ConfigureAwait(false))
                {
                    if (CopyHandover.Decide(TableState.CatchingUp, state.CopySnapshot, item.Event.TxId) != HandoverAction.Apply)
                    {
                        continue;
                    }
                    count++;
                    if (filters is null)
                    {
                        yield return item;
                        continue;
                    }
                    chunk.Add(item);
                    if (chunk.Count == JudgeChunk)
                    {
                        foreach (var judged in await batches.JudgeAsync(chunk, filters, cancellationToken).ConfigureAwait(false))
                        {
                            yield return judged;
                        }
                        chunk.Clear();
                    }
                }
                if (filters is not null && chunk.Count > 0)
                {
                    foreach (var judged in await batches.JudgeAsync(chunk, filters, cancellationToken).ConfigureAwait(false))
                    {
                        yield return judged;
                    }
                }
                logger.ReplayingKept(store.Subscription, table, count);
                replayed.Add(table);
            }
        }
    }

    /// <summary><paramref name="first"/>, then <paramref name="rest"/>.</summary>
    public static async IAsyncEnumerable<ApplyEvent> Prepend(
        IAsyncEnumerable<ApplyEvent> first, IAsyncEnumerable<ApplyEvent> rest, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in first.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
        await foreach (var item in rest.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }
}
