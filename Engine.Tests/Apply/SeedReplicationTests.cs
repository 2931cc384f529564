using Ferry.Engine.Apply;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Copy;
using Ferry.Engine.Demo;
using Ferry.Engine.Rules;
using Ferry.Engine.Sequences;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static Ferry.Engine.Tests.Support.SeedChecks;

namespace Ferry.Engine.Tests.Apply;

/// <summary>
/// The seed scenario's replication without the queue's code: source on 13, target 1 on 18 (both keyed tables), target 2 on
/// 15 (schema digoal_02, userid filter). Copies run while the apply loops run and logins keep writing; afterwards every
/// target table equals the source after filter and renaming, the tables reach ok, and the sequences caught up.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SeedReplicationTests(ClusterFixture clusters)
{
    [Fact]
    public async Task CopyWhileApplying_ConvergesBothTargets_WithFilterAndRename()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = NpgsqlDataSource.Create(await SeedScenario.CreateSourceAsync(
            (await clusters.GetAsync(13)).ConnectionString(), "seedrep_src", "digoal_01", "pw1", 2000, ct));
        await using var target1 = NpgsqlDataSource.Create(await SeedScenario.CreateTargetAsync(
            (await clusters.GetAsync(18)).ConnectionString(), "seedrep_t1", "digoal_01", "pw1", allTables: true, ct));
        await using var target2 = NpgsqlDataSource.Create(await SeedScenario.CreateTargetAsync(
            (await clusters.GetAsync(15)).ConnectionString(), "seedrep_t2", "digoal_02", "pw2", allTables: false, ct));
        await using (var connection = await source.OpenConnectionAsync(ct))
        {
            foreach (var table in SeedScenario.KeyedTables)
            {
                await TestCapture.InstallAsync(connection, "digoal_01", table, ["userid"]);
            }
        }

        // The log tables are refused on target 1.
        foreach (var table in SeedScenario.KeylessTables)
        {
            var error = await Assert.ThrowsAsync<TableRuleException>(() => TableRuleValidator.ValidateAsync(source, target1,
                new TableRuleRequest(new TableName("digoal_01", table)), ct));
            Assert.Contains("no primary key", error.Message, StringComparison.Ordinal);
        }
        var rules1 = new List<TableRule>();
        var rules2 = new List<TableRule>();
        foreach (var table in SeedScenario.KeyedTables)
        {
            rules1.Add(await TableRuleValidator.ValidateAsync(source, target1, new TableRuleRequest(new TableName("digoal_01", table)), ct));
            rules2.Add(await TableRuleValidator.ValidateAsync(source, target2,
                new TableRuleRequest(new TableName("digoal_01", table), new TableName("digoal_02", table), Filter), ct));
        }

        using var stopWorkload = new CancellationTokenSource();
        var workload = WorkloadAsync(source, stopWorkload.Token, seed: 11);
        var sub1 = new Subscription(source, target1, "t1", rules1);
        var sub2 = new Subscription(source, target2, "t2", rules2);
        await sub1.StartAsync(ct);
        await sub2.StartAsync(ct);

        var copies = new CopyOptions { MaxConcurrentCopies = 1, BuildIndexesAfterDataAbove = 0 };
        using var scheduler1 = new CopyScheduler(new TableCopy(source, target1, sub1.Store, new BulkHandler(), copies), copies);
        using var scheduler2 = new CopyScheduler(new TableCopy(source, target2, sub2.Store, new BulkHandler(), copies), copies);
        await Task.WhenAll(scheduler1.CopyAllAsync(rules1, null, ct), scheduler2.CopyAllAsync(rules2, null, ct));
        await Task.Delay(500, ct);
        await stopWorkload.CancelAsync();
        var calls = await workload;
        Assert.True(calls > 50, $"only {calls} workload calls ran");
        await sub1.DrainAsync(ct);
        await sub2.DrainAsync(ct);
        await SequenceSync.SyncAsync(source, target1,
            SeedScenario.Sequences.Select(s => (new TableName("digoal_01", s), new TableName("digoal_01", s))), ct);
        await SequenceSync.SyncAsync(source, target2,
            SeedScenario.Sequences.Select(s => (new TableName("digoal_01", s), new TableName("digoal_02", s))), ct);

        Assert.Equal(await HashAsync(source, "digoal_01.user_info", UserInfoColumns), await HashAsync(target1, "digoal_01.user_info", UserInfoColumns));
        Assert.Equal(await HashAsync(source, "digoal_01.user_session", UserSessionColumns),
            await HashAsync(target1, "digoal_01.user_session", UserSessionColumns));
        Assert.Equal(await HashAsync(source, "digoal_01.user_info", UserInfoColumns, Filter),
            await HashAsync(target2, "digoal_02.user_info", UserInfoColumns));
        Assert.Equal(await HashAsync(source, "digoal_01.user_session", UserSessionColumns, Filter),
            await HashAsync(target2, "digoal_02.user_session", UserSessionColumns));
        Assert.All(await sub1.Store.GetTablesAsync(ct), t => Assert.Equal(TableState.Ok, t.State));
        Assert.All(await sub2.Store.GetTablesAsync(ct), t => Assert.Equal(TableState.Ok, t.State));
        Assert.Equal(await ScalarAsync(source, "SELECT last_value FROM digoal_01.seq_login_id"),
            await ScalarAsync(target2, "SELECT last_value FROM digoal_02.seq_login_id"));
    }

    private sealed class Subscription(NpgsqlDataSource source, NpgsqlDataSource target, string name, IReadOnlyList<TableRule> rules)
    {
        private readonly SnapshotBatchSource _feed = new(source);
        private readonly CancellationTokenSource _stop = new();
        private ApplyLoop? _loop;
        private Task? _running;

        public TargetStateStore Store { get; } = new(target, name);

        public async Task StartAsync(CancellationToken ct)
        {
            _loop = new ApplyLoop(_feed, target, Store, rules, new BulkHandler(),
                new ApplyLoopOptions { InitialBackoff = TimeSpan.FromMilliseconds(50), IdleDelay = TimeSpan.FromMilliseconds(50) },
                TimeProvider.System, NullLogger<ApplyLoop>.Instance);
            // The first run installs the target state; the copies add the tables.
            await _loop.RunOnceAsync(ct);
            _running = _loop.RunAsync(_stop.Token);
        }

        /// <summary>Stops the background loop, then applies batches until the tables are ok and nothing is left.</summary>
        public async Task DrainAsync(CancellationToken ct)
        {
            await _stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _running!);
            Assert.Null((await Store.GetSubscriptionAsync(ct)).Error);
            for (var i = 0; i < 20; i++)
            {
                var outcome = await _loop!.RunOnceAsync(ct);
                var tables = await Store.GetTablesAsync(ct);
                if (outcome == ApplyOutcome.Idle && tables.All(t => t.State == TableState.Ok))
                {
                    return;
                }
                if (outcome == ApplyOutcome.Idle)
                {
                    // Nothing new on the source: make a transaction so the next tick moves past the copies' snapshots.
                    await ScalarAsync(source, "SELECT txid_current()");
                }
            }
        }
    }

    private static async Task<object?> ScalarAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }
}
