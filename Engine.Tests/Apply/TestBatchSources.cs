using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Ferry.Engine.Apply;
using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Npgsql;

namespace Ferry.Engine.Tests.Apply;

/// <summary>A batch source over fixed batches of real captured events, with hooks to fail or "kill" at chosen points.</summary>
internal sealed class ListBatchSource(IReadOnlyList<(Batch Batch, List<ApplyEvent> Events)> batches) : IBatchSource
{
    private int _next;

    public ConcurrentDictionary<long, int> Reads { get; } = new();

    public List<long> Finished { get; } = [];

    /// <summary>Called before a batch's events are read; may throw.</summary>
    public Action<Batch>? BeforeRead { get; set; }

    /// <summary>Called when a batch is finished, before it counts as finished; may throw.</summary>
    public Action<Batch>? BeforeFinish { get; set; }

    public Task<Batch?> NextBatchAsync(CancellationToken cancellationToken) =>
        Task.FromResult(_next < batches.Count ? batches[_next].Batch : null);

    public async IAsyncEnumerable<ApplyEvent> ReadEventsAsync(
        Batch batch, IReadOnlyDictionary<string, string> filters, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        BeforeRead?.Invoke(batch);
        Reads.AddOrUpdate(batch.TickId, 1, (_, n) => n + 1);
        foreach (var e in batches.Single(b => b.Batch.TickId == batch.TickId).Events)
        {
            await Task.Yield();
            yield return e;
        }
    }

    public Task FinishBatchAsync(Batch batch, CancellationToken cancellationToken)
    {
        BeforeFinish?.Invoke(batch);
        if (_next < batches.Count && batches[_next].Batch.TickId == batch.TickId)
        {
            _next++;
            Finished.Add(batch.TickId);
        }
        return Task.CompletedTask;
    }
}

/// <summary>
/// A batch source that ticks like the queue will: each new batch ends at a fresh txid snapshot of the source and holds the
/// captured events whose transaction that snapshot sees and the previous one did not (docs/decisions/ADR-003-queue-capture-and-batches.md). The row
/// filter verdicts are computed on the source.
/// </summary>
internal sealed class SnapshotBatchSource(NpgsqlDataSource source) : IBatchSource
{
    private TxidSnapshot _finished = TestBatches.NothingSeen;
    private Batch? _current;
    private long _tick;

    public long LastFinishedTick { get; private set; }

    public async Task<Batch?> NextBatchAsync(CancellationToken cancellationToken)
    {
        if (_current is null)
        {
            await using var command = source.CreateCommand("SELECT txid_current_snapshot()::text");
            var end = TxidSnapshot.Parse((string)(await command.ExecuteScalarAsync(cancellationToken))!);
            if (end == _finished || end.ToString() == _finished.ToString())
            {
                return null;
            }
            _tick++;
            _current = TestBatches.Tick(_tick, _finished, end);
        }
        return _current;
    }

    public async IAsyncEnumerable<ApplyEvent> ReadEventsAsync(
        Batch batch, IReadOnlyDictionary<string, string> filters, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        // Only transactions below the end snapshot's xmax can be in the batch; the others wait for a later one.
        var events = await TestCapture.ReadAsync(connection, 0, long.MaxValue, filters, batch.StartSnapshot.Xmin);
        foreach (var e in events.Where(e => batch.EndSnapshot.IsVisible(e.Event.TxId) && !batch.StartSnapshot.IsVisible(e.Event.TxId)))
        {
            yield return e;
        }
    }

    public Task FinishBatchAsync(Batch batch, CancellationToken cancellationToken)
    {
        if (_current is { } current && current.TickId == batch.TickId)
        {
            _finished = current.EndSnapshot;
            LastFinishedTick = batch.TickId;
            _current = null;
        }
        return Task.CompletedTask;
    }
}

/// <summary>Batches built by hand, for batch sources that are not a queue.</summary>
internal static class TestBatches
{
    /// <summary>A snapshot that saw no transaction: a batch starting there keeps catching-up tables catching up.</summary>
    public static TxidSnapshot NothingSeen { get; } = new(1, 1, []);

    /// <summary>The batch (<paramref name="tickId"/> - 1, <paramref name="tickId"/>] of queue "test", consumer "test".</summary>
    public static Batch Tick(long tickId, TxidSnapshot? start = null, TxidSnapshot? end = null) =>
        new("test", "test", tickId, DateTimeOffset.UnixEpoch, tickId - 1, DateTimeOffset.UnixEpoch, start ?? NothingSeen,
            end ?? NothingSeen);
}
