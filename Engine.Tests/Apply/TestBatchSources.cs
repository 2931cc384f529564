using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Ferry.Engine.Apply;
using Ferry.Engine.Copy;
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
        Batch batch, IReadOnlyDictionary<string, string> rowFilters, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        BeforeRead?.Invoke(batch);
        Reads.AddOrUpdate(batch.BatchId, 1, (_, n) => n + 1);
        foreach (var e in batches.Single(b => b.Batch.BatchId == batch.BatchId).Events)
        {
            await Task.Yield();
            yield return e;
        }
    }

    public Task FinishBatchAsync(Batch batch, CancellationToken cancellationToken)
    {
        BeforeFinish?.Invoke(batch);
        if (_next < batches.Count && batches[_next].Batch.BatchId == batch.BatchId)
        {
            _next++;
            Finished.Add(batch.BatchId);
        }
        return Task.CompletedTask;
    }
}

/// <summary>
/// A batch source that ticks like the queue will: each new batch ends at a fresh txid snapshot of the source and holds the
/// captured events whose transaction that snapshot sees and the previous one did not (DESIGN.md invariant 1). The row
/// filter verdicts are computed on the source.
/// </summary>
internal sealed class SnapshotBatchSource(NpgsqlDataSource source) : IBatchSource
{
    private TxidSnapshot _finished = new(1, 1, []);
    private (Batch Batch, TxidSnapshot End)? _current;
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
            _current = (new Batch(_tick, _tick, _finished), end);
        }
        return _current.Value.Batch;
    }

    public async IAsyncEnumerable<ApplyEvent> ReadEventsAsync(
        Batch batch, IReadOnlyDictionary<string, string> rowFilters, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var end = _current!.Value.End;
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        // Only transactions below the end snapshot's xmax can be in the batch; the others wait for a later one.
        var events = await TestCapture.ReadAsync(connection, 0, long.MaxValue, rowFilters, batch.StartSnapshot!.Xmin);
        foreach (var e in events.Where(e => end.IsVisible(e.Event.TxId) && !batch.StartSnapshot!.IsVisible(e.Event.TxId)))
        {
            yield return e;
        }
    }

    public Task FinishBatchAsync(Batch batch, CancellationToken cancellationToken)
    {
        if (_current is { } current && current.Batch.BatchId == batch.BatchId)
        {
            _finished = current.End;
            LastFinishedTick = batch.TickId;
            _current = null;
        }
        return Task.CompletedTask;
    }
}
