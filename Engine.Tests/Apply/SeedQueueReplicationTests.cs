using Ferry.Engine.Apply;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Copy;
using Ferry.Engine.Demo;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Sequences;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using static Ferry.Engine.Tests.Support.SeedChecks;

namespace Ferry.Engine.Tests.Apply;

/// <summary>
/// The seed scenario end to end on the real queue: capture and ticks on the source (13), one consumer per target, target 1
/// on 18 with both keyed tables, target 2 on 15 in schema digoal_02 with a userid filter. Tables are added and copied while
/// the apply loops run and logins keep writing; after the workload stops every target table equals the source table (after
/// filter and renaming), the tables are ok, and the sequences are at least the source's.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SeedQueueReplicationTests(ClusterFixture clusters)
{
    private const string QueueName = "seed";

    [Fact]
    public async Task SeedScenario_ConvergesBothTargets_WhileTheWorkloadWrites()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = NpgsqlDataSource.Create(await SeedScenario.CreateSourceAsync(
            (await clusters.GetAsync(13)).ConnectionString(), "seedq_src", "digoal_01", "pw1", 2000, ct));
        await using var target1 = NpgsqlDataSource.Create(await SeedScenario.CreateTargetAsync(
            (await clusters.GetAsync(18)).ConnectionString(), "seedq_t1", "digoal_01", "pw1", allTables: true, ct));
        await using var target2 = NpgsqlDataSource.Create(await SeedScenario.CreateTargetAsync(
            (await clusters.GetAsync(15)).ConnectionString(), "seedq_t2", "digoal_02", "pw2", allTables: false, ct));
        await QueueSchema.InstallAsync(source, ct);
        var admin = new QueueAdmin(source);
        await admin.CreateQueueAsync(QueueName, ct);

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
            await admin.EnableCaptureAsync(QueueName, $"digoal_01.{table}", ct);
        }

        using var stop = new CancellationTokenSource();
        var workload = WorkloadAsync(source, stop.Token);
        var ticker = TickerAsync(admin, stop.Token);
        var sub1 = await Subscription.StartAsync(source, target1, "t1", rules1, ct);
        var sub2 = await Subscription.StartAsync(source, target2, "t2", rules2, ct);

        var copies = new CopyOptions { MaxConcurrentCopies = 2 };
        using var scheduler1 = new CopyScheduler(new TableCopy(source, target1, sub1.Store, new BulkHandler(), copies), copies);
        using var scheduler2 = new CopyScheduler(new TableCopy(source, target2, sub2.Store, new BulkHandler(), copies), copies);
        await Task.WhenAll(scheduler1.CopyAllAsync(rules1, null, ct), scheduler2.CopyAllAsync(rules2, null, ct));
        await Task.Delay(1000, ct);
        await stop.CancelAsync();
        var calls = await workload;
        await ticker;
        Assert.True(calls > 50, $"only {calls} workload calls ran");
        await sub1.DrainAsync(admin, ct);
        await sub2.DrainAsync(admin, ct);
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

        // A resync of one table goes back through copying and catching-up to ok and leaves the other table alone.
        await ExecuteAsync(target1, "UPDATE digoal_01.user_session SET login_count = -1 WHERE userid = 5");
        var resync = await scheduler1.CopyAsync(rules1.Single(r => r.Source.Name == "user_session"), null, ct);
        Assert.Equal(2000, resync.Rows);
        await ExecuteAsync(source, "SELECT digoal_01.f_user_login(5)");
        await sub1.DrainAsync(admin, ct);
        Assert.Equal(await HashAsync(source, "digoal_01.user_session", UserSessionColumns),
            await HashAsync(target1, "digoal_01.user_session", UserSessionColumns));
        Assert.All(await sub1.Store.GetTablesAsync(ct), t => Assert.Equal(TableState.Ok, t.State));

        foreach (var sequence in SeedScenario.Sequences)
        {
            Assert.Equal(await ScalarAsync(source, $"SELECT last_value FROM digoal_01.{sequence}"),
                await ScalarAsync(target1, $"SELECT last_value FROM digoal_01.{sequence}"));
            Assert.Equal(await ScalarAsync(source, $"SELECT last_value FROM digoal_01.{sequence}"),
                await ScalarAsync(target2, $"SELECT last_value FROM digoal_02.{sequence}"));
        }
    }

    private sealed class Subscription
    {
        private readonly CancellationTokenSource _stop = new();
        private ApplyLoop _loop = null!;
        private Task _running = null!;

        public TargetStateStore Store { get; private init; } = null!;

        public static async Task<Subscription> StartAsync(
            NpgsqlDataSource source, NpgsqlDataSource target, string name, IReadOnlyList<TableRule> rules, CancellationToken ct)
        {
            var consumer = new QueueConsumer(source, QueueName, name);
            await consumer.RegisterAsync(ct);
            var subscription = new Subscription { Store = new TargetStateStore(target, name) };
            subscription._loop = new ApplyLoop(new QueueBatchSource(consumer, source), target, subscription.Store, rules, new BulkHandler(),
                new ApplyLoopOptions { InitialBackoff = TimeSpan.FromMilliseconds(50), IdleDelay = TimeSpan.FromMilliseconds(50) },
                TimeProvider.System, NullLogger<ApplyLoop>.Instance);
            // The first run installs the target state (the copies add the tables); then the loop runs on its own.
            await subscription._loop.RunOnceAsync(ct);
            subscription._running = subscription._loop.RunAsync(subscription._stop.Token);
            return subscription;
        }

        /// <summary>Stops the background loop, then ticks and applies until nothing is left and every table is ok.</summary>
        public async Task DrainAsync(QueueAdmin admin, CancellationToken ct)
        {
            if (!_stop.IsCancellationRequested)
            {
                await _stop.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _running);
            }
            Assert.Null((await Store.GetSubscriptionAsync(ct)).Error);
            for (var round = 0; round < 5; round++)
            {
                await admin.TickAsync(QueueName, ct);
                while (await _loop.RunOnceAsync(ct) != ApplyOutcome.Idle)
                {
                }
                if ((await Store.GetTablesAsync(ct)).All(t => t.State == TableState.Ok))
                {
                    return;
                }
            }
        }
    }

    private static async Task TickerAsync(QueueAdmin admin, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await admin.TickAsync(QueueName, CancellationToken.None);
            await Task.Delay(50, CancellationToken.None);
        }
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<object?> ScalarAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }
}
