using System.Runtime.CompilerServices;
using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Npgsql;

namespace Ferry.Engine.Apply;

/// <summary>
/// The queue's consumer as an <see cref="IBatchSource"/>: batches of a <see cref="QueueConsumer"/>, and the row filter's
/// verdict for each insert and update computed on the source database in one query per chunk of events.
/// </summary>
/// <remarks>
/// The consumer's own <see cref="BatchReadOptions.Filters"/> drops events outside a filter; the apply side needs them
/// (an update that leaves the filter deletes the row on the target), so filters are evaluated here instead, on the
/// events as read: the row the filter is written against is read back from the event's text row as the apply does
/// (<c>TargetTableSql.Populate</c>). Each chunk is judged in a READ ONLY transaction under a statement timeout
/// (<paramref name="filterTimeout"/>, by default <see cref="FilterSql.EvaluationTimeout"/>), so a filter can neither write
/// on the source nor hold the loop forever. Every event leaves with its row as a text row (<see cref="EventRow"/>,
/// docs/decisions/ADR-014-exact-row-encoding.md).
/// </remarks>
public sealed class QueueBatchSource(
    QueueConsumer consumer, NpgsqlDataSource source, BatchReadOptions? readOptions = null, TimeSpan? filterTimeout = null)
    : IBatchSource, IAsyncDisposable
{
    private const int FilterChunk = 1000;
    private readonly Dictionary<string, IReadOnlyList<ColumnDefinition>> _columns = new(StringComparer.Ordinal);
    private Batch? _open;
    private TickListener? _ticks;

    public async Task<Batch?> NextBatchAsync(CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(consumer);
        // Listen before looking, so that a tick made in between wakes the next wait.
        _ticks ??= await consumer.ListenAsync(cancellationToken).ConfigureAwait(false);
        _open = await consumer.NextBatchAsync(cancellationToken).ConfigureAwait(false);
        return _open;
    }

    public async IAsyncEnumerable<ApplyEvent> ReadEventsAsync(
        Batch batch, IReadOnlyDictionary<string, string> filters, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(filters);
        var open = _open is { } b && b.TickId == batch.TickId
            ? b
            : throw new InvalidOperationException($"Batch ({batch.PreviousTickId}, {batch.TickId}] is not the consumer's open batch.");
        var events = TextRowsAsync(consumer.ReadEventsAsync(open, readOptions, cancellationToken), cancellationToken);
        if (filters.Count == 0)
        {
            await foreach (var e in events.ConfigureAwait(false))
            {
                yield return new ApplyEvent(e);
            }
            yield break;
        }

        await using var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ApplySession.PinAsync(connection, null, "", cancellationToken).ConfigureAwait(false);
        var chunk = new List<QueueEvent>(FilterChunk);
        await foreach (var e in events.ConfigureAwait(false))
        {
            chunk.Add(e);
            if (chunk.Count == FilterChunk)
            {
                foreach (var item in await JudgeAsync(connection, chunk, filters, cancellationToken).ConfigureAwait(false))
                {
                    yield return item;
                }
                chunk.Clear();
            }
        }
        foreach (var item in await JudgeAsync(connection, chunk, filters, cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    public async Task<IReadOnlyList<ApplyEvent>> JudgeAsync(
        IReadOnlyList<ApplyEvent> events, IReadOnlyDictionary<string, string> filters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(filters);
        if (!events.Any(e => e.Event.Table is { } table && filters.ContainsKey(table)))
        {
            return events;
        }
        await using var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ApplySession.PinAsync(connection, null, "", cancellationToken).ConfigureAwait(false);
        var judged = new List<ApplyEvent>(events.Count);
        foreach (var chunk in events.Select(e => e.Event).Chunk(FilterChunk))
        {
            judged.AddRange(await JudgeAsync(connection, [.. chunk], filters, cancellationToken).ConfigureAwait(false));
        }
        return judged;
    }

    public async Task WaitForBatchAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_ticks is null)
        {
            await Task.Delay(timeout, cancellationToken).ConfigureAwait(false);
            return;
        }
        try
        {
            await _ticks.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The listening connection broke (source restart): listen again at the next batch; the wait is over anyway.
            await _ticks.DisposeAsync().ConfigureAwait(false);
            _ticks = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ticks is not null)
        {
            await _ticks.DisposeAsync().ConfigureAwait(false);
            _ticks = null;
        }
    }

    public async Task FinishBatchAsync(Batch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        // After a crash the open batch is gone from memory: ask the consumer for it again (it returns the same one).
        var open = _open is { } b && b.TickId == batch.TickId
            ? b
            : await consumer.NextBatchAsync(cancellationToken).ConfigureAwait(false);
        if (open is not null && open.TickId == batch.TickId)
        {
            await consumer.FinishBatchAsync(open, cancellationToken).ConfigureAwait(false);
        }
        _open = null;
    }

    /// <summary>The events with their rows as text rows (<see cref="EventRow.ToTextRow"/>), which every reader downstream takes.</summary>
    private static async IAsyncEnumerable<QueueEvent> TextRowsAsync(
        IAsyncEnumerable<QueueEvent> events, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var names = new EventRow.NamesCache();
        await foreach (var e in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return EventRow.ToTextRow(e, ref names);
        }
    }

    /// <summary>The chunk's events with the filter verdicts of its inserts and updates, one query per filtered table.</summary>
    private async Task<List<ApplyEvent>> JudgeAsync(
        NpgsqlConnection connection, List<QueueEvent> chunk, IReadOnlyDictionary<string, string> filters,
        CancellationToken cancellationToken)
    {
        var verdicts = new bool[chunk.Count];
        Array.Fill(verdicts, true);
        var groups = chunk
            .Select((e, i) => (Event: e, Index: i))
            .Where(x => x.Event.Table is not null && x.Event.Data is not null && x.Event.Type is EventTypes.Insert or EventTypes.Update
                && filters.ContainsKey(x.Event.Table))
            .GroupBy(x => x.Event.Table!)
            .ToList();
        if (groups.Count == 0)
        {
            return [.. chunk.Select(e => new ApplyEvent(e))];
        }
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await FilterSql.ReadOnlyAsync(connection, transaction, filterTimeout ?? FilterSql.EvaluationTimeout, cancellationToken)
            .ConfigureAwait(false);
        foreach (var group in groups)
        {
            var items = group.ToList();
            if (!_columns.TryGetValue(group.Key, out var columns))
            {
                columns = [.. ((await LiveColumns.ReadAsync(connection, [group.Key], cancellationToken).ConfigureAwait(false))
                    .GetValueOrDefault(group.Key) ?? []).Select(c => new ColumnDefinition(c.Name, c.Type, "", false, c.JsonType))];
                _columns[group.Key] = columns;
            }
            // The table name and filter come from validated rules (TableRule.SourceTable is quote_ident'ed on the source).
            // The filter stands on lines of its own, as everywhere it is used, so a trailing -- comment ends with it.
            await using var command = new NpgsqlCommand($"""
                SELECT coalesce((SELECT {FilterSql.Parenthesized(filters[group.Key])}
                  FROM {TargetTableSql.Populate(group.Key, columns, "u.ferry_row::json", FilterSql.RowAlias(group.Key))}), false)
                FROM unnest($1::text[]) WITH ORDINALITY AS u(ferry_row, ferry_ord)
                ORDER BY u.ferry_ord
                """, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = items.Select(x => x.Event.Data!).ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var n = 0;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                verdicts[items[n++].Index] = reader.GetBoolean(0);
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return [.. chunk.Select((e, i) => new ApplyEvent(e, verdicts[i]))];
    }
}
