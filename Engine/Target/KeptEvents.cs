using System.Runtime.CompilerServices;
using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Npgsql;

namespace Ferry.Engine.Target;

/// <summary>
/// The events a target keeps for tables whose copy runs (<c>ferry.pending_event</c>), written and read back a chunk at a
/// time inside the caller's transaction, so that a batch or a backlog of any size never sits in memory whole
/// (docs/architecture.md, "Bounded memory").
/// </summary>
/// <remarks>
/// Both sides share the caller's connection with a handler: they touch it only between two events, never while the
/// consumer of their events may use it (a handler writes while it holds no event of theirs being read).
/// </remarks>
public sealed class KeptEvents(TargetStateStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, int chunk = KeptEvents.Chunk)
{
    /// <summary>Events written or read per round trip.</summary>
    public const int Chunk = 5000;

    private readonly List<ApplyEvent> _held = [];

    /// <summary>Events kept so far (written or still held).</summary>
    public long Count { get; private set; }

    /// <summary>Keeps an event; writes the held ones when <c>chunk</c> of them are held.</summary>
    public async ValueTask AddAsync(ApplyEvent item, CancellationToken cancellationToken)
    {
        _held.Add(item);
        Count++;
        if (_held.Count >= chunk)
        {
            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the events still held (call it before the transaction commits).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await store.KeepPendingAsync(connection, transaction, _held, cancellationToken).ConfigureAwait(false);
        _held.Clear();
    }

    /// <summary>
    /// The kept events of one table in event id order, read through a cursor <paramref name="chunk"/> at a time (each chunk
    /// read whole before its events are handed out, so the caller may use the connection in between), then deleted: a
    /// take that commits with the caller's transaction.
    /// </summary>
    public static async IAsyncEnumerable<ApplyEvent> TakeAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string subscription, string sourceTable, int chunk = Chunk,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        await using (var declare = new NpgsqlCommand("""
            DECLARE ferry_kept NO SCROLL CURSOR FOR
            SELECT event_id, txid, type, data, in_filter FROM ferry.pending_event
             WHERE subscription = $1 AND source_table = $2 ORDER BY event_id
            """, connection, transaction))
        {
            declare.Parameters.Add(new NpgsqlParameter { Value = subscription });
            declare.Parameters.Add(new NpgsqlParameter { Value = sourceTable });
            await declare.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        var rows = new List<ApplyEvent>(Math.Min(chunk, Chunk));
        do
        {
            rows.Clear();
            await using (var fetch = new NpgsqlCommand($"FETCH FORWARD {chunk} FROM ferry_kept", connection, transaction))
            await using (var reader = await fetch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(new ApplyEvent(
                        new QueueEvent(reader.GetInt64(0), reader.GetInt64(1), default, reader.GetString(2), sourceTable,
                            reader.IsDBNull(3) ? null : reader.GetString(3), null),
                        reader.GetBoolean(4)));
                }
            }
            foreach (var item in rows)
            {
                yield return item;
            }
        }
        while (rows.Count == chunk);
        await using (var close = new NpgsqlCommand("CLOSE ferry_kept", connection, transaction))
        {
            await close.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using var delete = new NpgsqlCommand(
            "DELETE FROM ferry.pending_event WHERE subscription = $1 AND source_table = $2", connection, transaction);
        delete.Parameters.Add(new NpgsqlParameter { Value = subscription });
        delete.Parameters.Add(new NpgsqlParameter { Value = sourceTable });
        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
