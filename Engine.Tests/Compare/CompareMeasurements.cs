using System.Diagnostics;
using Ferry.Engine.Compare;
using Ferry.Engine.Demo;
using Ferry.Engine.Rules;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Compare;

/// <summary>
/// Compare of user_info with 2,000,000 rows (PostgreSQL 13 → 18) and 10 planted differences: Ferry's chunked compare against
/// a full ordered hash of both tables (what Londiste's compare does) and a full ordered dump of both with a diff, in the same
/// run (explicit: run with <c>-- --explicit only</c>). Prints times and the process's peak working set during each.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CompareMeasurements(ClusterFixture clusters, ITestOutputHelper output)
{
    private const int Users = 2_000_000;

    [Fact(Explicit = true)]
    public async Task Compare2M_AgainstFullHash_AndDumpDiff()
    {
        var ct = TestContext.Current.CancellationToken;
        var clock = Stopwatch.StartNew();
        await using var source = NpgsqlDataSource.Create(await SeedScenario.CreateSourceAsync(
            (await clusters.GetAsync(13)).ConnectionString(), "measure_cmp_src", "digoal_01", "pw1", Users, ct));
        await using var target = NpgsqlDataSource.Create(await SeedScenario.CreateTargetAsync(
            (await clusters.GetAsync(18)).ConnectionString(), "measure_cmp_t", "digoal_01", "pw1", allTables: true, ct));
        var rule = await TableRuleValidator.ValidateAsync(source, target, new TableRuleRequest(new TableName("digoal_01", "user_info")), ct);
        await CopyAsync(source, target, rule, ct);
        var random = new Random(12);
        var planted = Enumerable.Range(0, 10).Select(_ => random.Next(1, Users + 1)).Distinct().ToList();
        await using (var plant = target.CreateCommand(
            $"UPDATE digoal_01.user_info SET email = 'changed' WHERE userid IN ({string.Join(", ", planted)}); ANALYZE digoal_01.user_info"))
        {
            await plant.ExecuteNonQueryAsync(ct);
        }
        output.WriteLine($"setup (2 databases, {Users:N0} rows copied): {clock.Elapsed.TotalSeconds:0.0} s");

        foreach (var chunkRows in new[] { 10_000, 50_000 })
        {
            var sink = new CountingSink();
            var (ferry, ferryPeak) = await MeasureAsync(async () =>
            {
                await using var point = await ConsistentPoint.OfQuietTablesAsync(source, target, ct);
                var result = await new TableComparer(source, target, new CompareOptions { ChunkRows = chunkRows })
                    .CompareAsync(point, rule, sink, null, ct);
                Assert.Equal(planted.Count, result.Different);
            });
            output.WriteLine($"Ferry compare, chunks of {chunkRows:N0}: {ferry.TotalSeconds:0.00} s to the list of {sink.Count} rows, "
                + $"peak working set {ferryPeak / 1048576} MiB");
        }

        var columns = string.Join(", ", rule.Columns.Select(c => Ferry.Engine.Sql.Identifiers.Quote(c.Name)));
        var hashSql = $"SET extra_float_digits = 3; SET TimeZone = 'UTC'; SELECT md5(string_agg(ROW({columns})::text, E'\\n' ORDER BY userid)) FROM digoal_01.user_info";
        var (hash, hashPeak) = await MeasureAsync(async () =>
        {
            var both = await Task.WhenAll(ScalarTextAsync(source, hashSql, ct), ScalarTextAsync(target, hashSql, ct));
            Assert.NotEqual(both[0], both[1]);
        });
        output.WriteLine($"Full ordered hash of both: {hash.TotalSeconds:0.00} s (says only that they differ), peak {hashPeak / 1048576} MiB");

        var dumpSql = $"COPY (SELECT {columns} FROM digoal_01.user_info ORDER BY userid) TO STDOUT";
        var differing = 0;
        var (dump, dumpPeak) = await MeasureAsync(async () =>
        {
            await using var a = await source.OpenConnectionAsync(ct);
            await using var b = await target.OpenConnectionAsync(ct);
            using var left = await a.BeginTextExportAsync(dumpSql, ct);
            using var right = await b.BeginTextExportAsync(dumpSql, ct);
            while (true)
            {
                var l = await left.ReadLineAsync(ct);
                var r = await right.ReadLineAsync(ct);
                if (l is null && r is null)
                {
                    break;
                }
                differing += string.Equals(l, r, StringComparison.Ordinal) ? 0 : 1;
            }
        });
        output.WriteLine($"Ordered dump of both + diff: {dump.TotalSeconds:0.00} s to {differing} rows, peak {dumpPeak / 1048576} MiB");
        Assert.Equal(planted.Count, differing);
    }

    private static async Task<(TimeSpan Elapsed, long PeakWorkingSet)> MeasureAsync(Func<Task> work)
    {
        GC.Collect();
        var peak = Environment.WorkingSet;
        using var done = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                peak = Math.Max(peak, Environment.WorkingSet);
                await Task.Delay(50, CancellationToken.None);
            }
        }, CancellationToken.None);
        var clock = Stopwatch.StartNew();
        await work();
        var elapsed = clock.Elapsed;
        await done.CancelAsync();
        await sampler;
        return (elapsed, peak);
    }

    private static async Task CopyAsync(NpgsqlDataSource source, NpgsqlDataSource target, TableRule rule, CancellationToken ct)
    {
        var columns = string.Join(", ", rule.Columns.Select(c => Ferry.Engine.Sql.Identifiers.Quote(c.Name)));
        await using var a = await source.OpenConnectionAsync(ct);
        await using var b = await target.OpenConnectionAsync(ct);
        await using var from = await a.BeginRawBinaryCopyAsync($"COPY digoal_01.user_info ({columns}) TO STDOUT (FORMAT binary)", ct);
        await using var to = await b.BeginRawBinaryCopyAsync($"COPY digoal_01.user_info ({columns}) FROM STDIN (FORMAT binary)", ct);
        await from.CopyToAsync(to, ct);
    }

    private static async Task<string> ScalarTextAsync(NpgsqlDataSource data, string sql, CancellationToken ct)
    {
        await using var connection = await data.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync(ct))!;
    }

    private sealed class CountingSink : ICompareSink
    {
        private int _count;

        public int Count => _count;

        public Task AddAsync(IReadOnlyList<RowDifference> differences, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref _count, differences.Count);
            return Task.CompletedTask;
        }
    }
}
