using System.Collections.Concurrent;
using Ferry.Engine.Compare;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Compare;

/// <summary>
/// Compare at a consistent point, PostgreSQL 13 → 18, a filtered and renamed table: differences planted at random on the
/// target are found exactly, while a workload writes the same table on the source.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TableComparerTests(ClusterFixture clusters)
{
    private static readonly CompareOptions Small = new() { ChunkRows = 150, LeafRows = 8, Fanout = 4, Parallelism = 2 };

    [Fact]
    public async Task Compare_FindsExactlyThePlantedDifferences_WhileTheSourceIsWritten()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await CompareScenario.StartAsync(clusters, "cmp_planted", ct);
        // Values that only differ in a way a careless compare misses, made on the source and replicated first.
        var random = new Random(Environment.TickCount);
        var keys = Enumerable.Range(1, 500).OrderBy(_ => random.Next()).Take(8).ToArray();
        var (gone1, gone2, changed1, changed2, empty, nulled, unicode, moved) =
            (keys[0], keys[1], keys[2], keys[3], keys[4], keys[5], keys[6], keys[7]);
        await CompareScenario.ExecuteAsync(scenario.Source, $"""
            UPDATE digoal_01.user_info SET occupation = NULL WHERE userid = {empty};
            UPDATE digoal_01.user_info SET occupation = '' WHERE userid = {nulled};
            UPDATE digoal_01.user_info SET cnname = 'caf{'\u00e9'}' WHERE userid = {unicode};
            """);
        await WaitForTargetAsync(scenario, $"SELECT count(*) FROM digoal_02.user_info WHERE userid = {unicode} AND cnname = 'caf\u00e9'");

        await CompareScenario.ExecuteAsync(scenario.Target, $"""
            DELETE FROM digoal_02.user_info WHERE userid IN ({gone1}, {gone2});
            UPDATE digoal_02.user_info SET engname = engname || '!' WHERE userid IN ({changed1}, {changed2});
            UPDATE digoal_02.user_info SET occupation = '' WHERE userid = {empty};
            UPDATE digoal_02.user_info SET occupation = NULL WHERE userid = {nulled};
            UPDATE digoal_02.user_info SET cnname = 'cafe{'\u0301'}' WHERE userid = {unicode};
            UPDATE digoal_02.user_info SET userid = -7 WHERE userid = {moved};
            INSERT INTO digoal_02.user_info (userid, engname) VALUES (-5, 'not on the source'), (1950, 'outside the filter');
            """);

        using var stop = new CancellationTokenSource();
        var workload = scenario.WorkloadAsync(stop.Token);
        await WaitForTargetAsync(scenario, "SELECT count(*) FROM digoal_02.user_info WHERE engname <> 'digoal.zhou' AND userid > 500", 5);
        var sink = new ListSink();
        CompareResult result;
        await using (var point = await ConsistentPoint.TakeAsync(scenario.Source, scenario.Target, scenario.Queue, scenario.Consumer,
            [scenario.Rule], Small, TimeProvider.System, keepHold: false, ct))
        {
            result = await new TableComparer(scenario.Source, scenario.Target, Small).CompareAsync(point, scenario.Rule, sink, null, ct);
        }
        await stop.CancelAsync();
        Assert.True(await workload > 20, "the workload hardly ran");

        var found = sink.Rows.Select(d => (d.Kind, Key: int.Parse(d.Key[0]!, System.Globalization.CultureInfo.InvariantCulture),
            Columns: string.Join(",", d.Kind == DifferenceKind.Different ? d.Columns : []))).OrderBy(d => d.Kind).ThenBy(d => d.Key).ToList();
        var expected = new[]
        {
            (DifferenceKind.Missing, gone1, ""), (DifferenceKind.Missing, gone2, ""), (DifferenceKind.Missing, moved, ""),
            (DifferenceKind.Extra, -7, ""), (DifferenceKind.Extra, -5, ""), (DifferenceKind.Extra, 1950, ""),
            (DifferenceKind.Different, changed1, "engname"), (DifferenceKind.Different, changed2, "engname"),
            (DifferenceKind.Different, empty, "occupation"), (DifferenceKind.Different, nulled, "occupation"),
            (DifferenceKind.Different, unicode, "cnname"),
        }.OrderBy(d => d.Item1).ThenBy(d => d.Item2).ToList();
        Assert.Equal(expected, found);
        Assert.Equal((3, 3, 5), (result.Missing, result.Extra, result.Different));
        Assert.True(result.Chunks >= 5, $"{result.Chunks} chunks");
        var empties = sink.Rows.Single(d => d.Key[0] == empty.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var occupation = scenario.Rule.Columns.ToList().FindIndex(c => c.Name == "occupation");
        Assert.Null(empties.SourceRow![occupation]);
        Assert.Equal("", empties.TargetRow![occupation]);

        // Replication goes on after the compare: a new write on the source reaches the target.
        await CompareScenario.ExecuteAsync(scenario.Source, "UPDATE digoal_01.user_info SET engname = 'after' WHERE userid = 999");
        await WaitForTargetAsync(scenario, "SELECT count(*) FROM digoal_02.user_info WHERE userid = 999 AND engname = 'after'");
    }

    [Fact]
    public async Task TakeConsistentPoint_IsRefused_WhileTheTableIsCopying()
    {
        var ct = TestContext.Current.CancellationToken;
        var target = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(15, "cmp_copying"));
        await using var disposeTarget = target;
        await CompareScenario.ExecuteAsync(target, "CREATE TABLE t (id int PRIMARY KEY, v text)");
        var rule = await TableRuleValidator.ValidateAsync(target, target, new TableRuleRequest(new TableName("public", "t")), ct);
        var store = new TargetStateStore(target, "c1");
        await store.InstallAsync(ct);
        await store.AddTableAsync(rule, ct);
        await store.MoveTableAsync(rule.SourceTable, TableState.Copying, cancellationToken: ct);

        var refused = await Assert.ThrowsAsync<CompareRefusedException>(() =>
            ConsistentPoint.TakeAsync(target, target, "q", "c1", [rule], Small, TimeProvider.System, keepHold: false, ct));

        Assert.Contains("while it is copying", refused.Message, StringComparison.Ordinal);
    }

    private static async Task WaitForTargetAsync(CompareScenario scenario, string countSql, long atLeast = 1)
    {
        await Ferry.Engine.Tests.Replication.Eventually.WaitAsync(async () =>
        {
            await using var command = scenario.Target.CreateCommand(countSql);
            return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
        }, n => n >= atLeast, TimeSpan.FromSeconds(30), n => $"{n} rows for {countSql}");
    }

    private sealed class ListSink : ICompareSink
    {
        public ConcurrentBag<RowDifference> Rows { get; } = [];

        public Task AddAsync(IReadOnlyList<RowDifference> differences, CancellationToken cancellationToken)
        {
            foreach (var d in differences)
            {
                Rows.Add(d);
            }
            return Task.CompletedTask;
        }
    }
}
