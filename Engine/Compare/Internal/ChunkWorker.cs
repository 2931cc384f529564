using Npgsql;
using NpgsqlTypes;

namespace Ferry.Engine.Compare.Internal;

/// <summary>
/// Compares ranges of one table on one source and one target session: count and hash of the range on both sides at once;
/// when they differ, the range is split by the source's key order into <see cref="CompareOptions.Fanout"/> parts and each
/// part compared again, down to ranges of at most <see cref="CompareOptions.LeafRows"/> source rows, which are compared row
/// by row on the target (<see cref="LeafSql"/>). Memory holds one leaf of keys and hashes at most.
/// </summary>
internal sealed class ChunkWorker(
    SnapshotSession source, SnapshotSession target, TableSide sourceSide, TableSide targetSide, Ferry.Engine.Rules.TableRule rule,
    CompareOptions options, ICompareSink sink)
{
    private const int FlushRows = 500;

    public long Missing { get; private set; }

    public long Extra { get; private set; }

    public long Different { get; private set; }

    /// <summary>Compares one top-level chunk.</summary>
    /// <returns>The chunk's rows on each side, and whether it differed.</returns>
    public async Task<(long SourceRows, long TargetRows, bool Differs)> CompareAsync(KeyRange range, CancellationToken cancellationToken)
    {
        var (s, t) = await SummariesAsync(range, cancellationToken).ConfigureAwait(false);
        if (s == t)
        {
            return (s.Count, t.Count, false);
        }
        await DescendAsync(range, s.Count, cancellationToken).ConfigureAwait(false);
        return (s.Count, t.Count, true);
    }

    private async Task DescendAsync(KeyRange range, long sourceRows, CancellationToken cancellationToken)
    {
        if (sourceRows <= options.LeafRows)
        {
            await CompareRowsAsync(range, cancellationToken).ConfigureAwait(false);
            return;
        }
        var step = Math.Max(options.LeafRows, (sourceRows + options.Fanout - 1) / options.Fanout);
        var ends = new List<string?[]?>();
        await using (var command = source.Command(sourceSide.Boundaries(range), range))
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = step });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ends.Add(reader.GetFieldValue<string?[]>(0));
            }
        }
        // The last boundary may be the range's own end; otherwise the rest of the range is the last part.
        if (range.UpTo is null || ends.Count == 0 || !ends[^1]!.SequenceEqual(range.UpTo))
        {
            ends.Add(range.UpTo);
        }
        var after = range.After;
        foreach (var end in ends)
        {
            var part = new KeyRange(after, end);
            var (s, t) = await SummariesAsync(part, cancellationToken).ConfigureAwait(false);
            if (s != t)
            {
                await DescendAsync(part, s.Count, cancellationToken).ConfigureAwait(false);
            }
            after = end;
        }
    }

    private async Task<(Summary Source, Summary Target)> SummariesAsync(KeyRange range, CancellationToken cancellationToken)
    {
        var s = SummaryAsync(source, sourceSide.Summary(range), range, cancellationToken);
        var t = SummaryAsync(target, targetSide.Summary(range), range, cancellationToken);
        return (await s.ConfigureAwait(false), await t.ConfigureAwait(false));
    }

    private static async Task<Summary> SummaryAsync(SnapshotSession session, string sql, KeyRange range, CancellationToken cancellationToken)
    {
        await using var command = session.Command(sql, range);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new Summary(reader.GetInt64(0), reader.GetString(1));
    }

    /// <summary>The row-by-row step: the source leaf's keys and hashes, then the target's differing rows, then the source rows.</summary>
    private async Task CompareRowsAsync(KeyRange range, CancellationToken cancellationToken)
    {
        var keys = new List<string?[]>();
        var hashes = new List<long>();
        await using (var command = source.Command(sourceSide.RowHashes(range), range))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                keys.Add(reader.GetFieldValue<string?[]>(0));
                hashes.Add(reader.GetInt64(1));
            }
        }

        var changed = new List<(string?[] Key, string?[] Target)>();
        var missing = new List<string?[]>();
        var extras = new List<RowDifference>();
        await using (var command = target.Command(LeafSql.Differences(rule, targetSide, targetSide.RowsIn(range)), range))
        {
            for (var k = 0; k < rule.Key.Count; k++)
            {
                var column = k;
                command.Parameters.Add(new NpgsqlParameter
                {
                    NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = keys.Select(key => key[column]).ToArray(),
                });
            }
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. hashes] });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (reader.IsDBNull(0))
                {
                    extras.Add(new RowDifference(DifferenceKind.Extra, reader.GetFieldValue<string?[]>(1), [.. rule.Columns.Select(c => c.Name)],
                        null, reader.GetFieldValue<string?[]>(2)));
                    if (extras.Count == FlushRows)
                    {
                        Extra += extras.Count;
                        await sink.AddAsync(extras, cancellationToken).ConfigureAwait(false);
                        extras = [];
                    }
                    continue;
                }
                var position = (int)reader.GetInt64(0) - 1;
                if (reader.IsDBNull(2))
                {
                    missing.Add(keys[position]);
                }
                else
                {
                    changed.Add((keys[position], reader.GetFieldValue<string?[]>(2)));
                }
            }
        }
        Extra += extras.Count;
        if (extras.Count > 0)
        {
            await sink.AddAsync(extras, cancellationToken).ConfigureAwait(false);
        }
        await ResolveAsync(missing, changed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the source rows of the missing and changed keys and names the differing columns.</summary>
    private async Task ResolveAsync(List<string?[]> missing, List<(string?[] Key, string?[] Target)> changed, CancellationToken cancellationToken)
    {
        var wanted = missing.Concat(changed.Select(c => c.Key)).ToList();
        for (var start = 0; start < wanted.Count; start += FlushRows)
        {
            var part = wanted.Skip(start).Take(FlushRows).ToList();
            var rows = new Dictionary<string, string?[]>(StringComparer.Ordinal);
            await using (var command = source.Command(sourceSide.RowsByKey()))
            {
                for (var k = 0; k < rule.Key.Count; k++)
                {
                    var column = k;
                    command.Parameters.Add(new NpgsqlParameter
                    {
                        NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = part.Select(key => key[column]).ToArray(),
                    });
                }
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows[KeyOf(reader.GetFieldValue<string?[]>(0))] = reader.GetFieldValue<string?[]>(1);
                }
            }
            var found = new List<RowDifference>(part.Count);
            var changedByKey = changed.ToDictionary(c => KeyOf(c.Key), c => c.Target, StringComparer.Ordinal);
            foreach (var key in part)
            {
                var sourceRow = rows.GetValueOrDefault(KeyOf(key));
                if (changedByKey.TryGetValue(KeyOf(key), out var targetRow))
                {
                    var columns = rule.Columns.Where((_, i) => sourceRow is null || !string.Equals(sourceRow[i], targetRow[i], StringComparison.Ordinal))
                        .Select(c => c.Name).ToList();
                    found.Add(new RowDifference(DifferenceKind.Different, key, columns, sourceRow, targetRow));
                    Different++;
                }
                else
                {
                    found.Add(new RowDifference(DifferenceKind.Missing, key, [.. rule.Columns.Select(c => c.Name)], sourceRow, null));
                    Missing++;
                }
            }
            await sink.AddAsync(found, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One string per key: the texts with their lengths, so that no two keys join to the same string.</summary>
    private static string KeyOf(string?[] key) =>
        string.Concat(key.Select(k => k is null ? "-;" : $"{k.Length}:{k};"));

    private readonly record struct Summary(long Count, string Hash);
}
