using System.Threading.Channels;
using Ferry.Engine.Compare.Internal;
using Ferry.Engine.Rules;
using Npgsql;

namespace Ferry.Engine.Compare;

/// <summary>
/// Compares one table rule's source table (with its filter) and target table (under its new name) at a
/// <see cref="ConsistentPoint"/>: the key space is cut into chunks of <see cref="CompareOptions.ChunkRows"/> source rows
/// (boundaries read in the source's key order), each chunk's count and hash computed on both sides, in parallel, and the
/// differing chunks searched down to rows (docs/decisions/ADR-016-compare-and-repair.md). The work runs in the databases:
/// the portal sees chunk summaries, keys and hashes of a small range at a time, and the differing rows only.
/// </summary>
public sealed class TableComparer(NpgsqlDataSource source, NpgsqlDataSource target, CompareOptions options)
{
    /// <summary>Compares the table; differing rows go to <paramref name="sink"/> as they are found.</summary>
    public async Task<CompareResult> CompareAsync(
        ConsistentPoint point, TableRule rule, ICompareSink sink, IProgress<CompareProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(sink);
        options.Validate();
        var sourceSide = new TableSide(rule, source: true);
        var targetSide = new TableSide(rule, source: false, filtered: options.FilterTarget);
        var estimated = (int)Math.Max(1, await EstimateRowsAsync(rule, cancellationToken).ConfigureAwait(false) / options.ChunkRows + 1);
        var chunks = Channel.CreateBounded<KeyRange>(options.Parallelism * 2);
        var totals = new Totals();
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        var producer = ProduceChunksAsync(point, sourceSide, chunks.Writer, failed.Token);
        var workers = Enumerable.Range(0, options.Parallelism).Select(async _ =>
        {
            await using var sourceSession = await SnapshotSession.OpenAsync(source, point.SourceSnapshot, options.StatementTimeout, failed.Token)
                .ConfigureAwait(false);
            await using var targetSession = await SnapshotSession.OpenAsync(target, point.TargetSnapshot, options.StatementTimeout, failed.Token)
                .ConfigureAwait(false);
            var counting = new CountingSink(sink, totals);
            var worker = new ChunkWorker(sourceSession, targetSession, sourceSide, targetSide, rule, options, counting);
            await foreach (var range in chunks.Reader.ReadAllAsync(failed.Token).ConfigureAwait(false))
            {
                var (s, t, differs) = await worker.CompareAsync(range, failed.Token).ConfigureAwait(false);
                var done = totals.Chunk(s, t, differs);
                progress?.Report(new CompareProgress(done, Math.Max(done, estimated), totals.Differences));
            }
            totals.Add(worker.Missing, worker.Extra, worker.Different);
        }).ToList();
        try
        {
            await Task.WhenAll(workers.Append(producer)).ConfigureAwait(false);
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
        return totals.Result(point.Tick);
    }

    /// <summary>Reads the chunk ends in the source's key order (one query, streamed) and hands the chunks to the workers.</summary>
    private async Task ProduceChunksAsync(ConsistentPoint point, TableSide side, ChannelWriter<KeyRange> chunks, CancellationToken cancellationToken)
    {
        try
        {
            await using var session = await SnapshotSession.OpenAsync(source, point.SourceSnapshot, options.StatementTimeout, cancellationToken)
                .ConfigureAwait(false);
            await using var command = session.Command(side.Boundaries(KeyRange.All), KeyRange.All);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = options.ChunkRows });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            string?[]? after = null;
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var end = reader.GetFieldValue<string?[]>(0);
                await chunks.WriteAsync(new KeyRange(after, end), cancellationToken).ConfigureAwait(false);
                after = end;
            }
            await chunks.WriteAsync(new KeyRange(after, null), cancellationToken).ConfigureAwait(false);
            chunks.Complete();
        }
        catch (Exception e)
        {
            chunks.Complete(e);
            throw;
        }
    }

    private async Task<long> EstimateRowsAsync(TableRule rule, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = $1::regclass");
        command.Parameters.Add(new NpgsqlParameter { Value = rule.Source.Quoted });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long rows ? rows : 0;
    }

    private sealed class Totals
    {
        private readonly Lock _gate = new();
        private long _source;
        private long _target;
        private int _chunks;
        private int _differing;
        private long _missing;
        private long _extra;
        private long _different;
        private long _found;

        public long Differences => Interlocked.Read(ref _found);

        public void Found(int count) => Interlocked.Add(ref _found, count);

        public int Chunk(long source, long target, bool differs)
        {
            lock (_gate)
            {
                _source += source;
                _target += target;
                _differing += differs ? 1 : 0;
                return ++_chunks;
            }
        }

        public void Add(long missing, long extra, long different)
        {
            lock (_gate)
            {
                _missing += missing;
                _extra += extra;
                _different += different;
            }
        }

        public CompareResult Result(long tick)
        {
            lock (_gate)
            {
                return new CompareResult(tick, _source, _target, _chunks, _differing, _missing, _extra, _different);
            }
        }
    }

    private sealed class CountingSink(ICompareSink inner, Totals totals) : ICompareSink
    {
        public Task AddAsync(IReadOnlyList<RowDifference> differences, CancellationToken cancellationToken)
        {
            totals.Found(differences.Count);
            return inner.AddAsync(differences, cancellationToken);
        }
    }
}
