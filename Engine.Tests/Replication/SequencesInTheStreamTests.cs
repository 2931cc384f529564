using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Sequences;
using Ferry.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Ferry.Engine.Tests.Replication.ServiceScenario;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// Sequences in the stream (issue 11 item 4, docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md): each tick records the
/// set's sequences; each batch sets the target sequences in its transaction to the values of its tick, never backwards, so a
/// target sequence is at most one tick behind its source.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SequencesInTheStreamTests(ClusterFixture clusters)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(18, 13)]
    [InlineData(13, 15)]
    public async Task TargetSequence_FollowsTheTicks_UnderAWorkload_NeverBehindTheAppliedTick_NeverBackwards(int sourceMajor, int targetMajor)
    {
        const string Tables = """
            CREATE SCHEMA app;
            CREATE SEQUENCE app.order_ids;
            CREATE TABLE app.orders (id bigint PRIMARY KEY DEFAULT nextval('app.order_ids'), amount numeric);
            """;
        await using var scenario = await ServiceScenario.StartAsync(clusters, "seq_stream", sourceMajor, targetMajor, Tables,
            // The target's sequence has another name: the sequence rule maps it.
            "CREATE SCHEMA app; CREATE SEQUENCE app.order_ids_copy; CREATE TABLE app.orders (id bigint PRIMARY KEY, amount numeric);");
        await scenario.AddTableAsync("app.orders");
        await scenario.Engine.Services.GetRequiredService<SequenceRuleService>()
            .AddSequenceAsync(Operator, scenario.SubscriptionId, "app.order_ids", "app.order_ids_copy", Ct);
        await scenario.WaitOkAsync("app.orders");
        // The loop carries the sequence once it was built again with its rule: the first value arrives with a tick.
        await ExecuteAsync(scenario.Source, "SELECT nextval('app.order_ids')");
        await Eventually.WaitAsync(async () =>
        {
            await new QueueAdmin(scenario.Source).TickAsync("seq_stream", Ct);
            return await TargetAsync(scenario.Target);
        }, t => t.Value >= 1, TimeSpan.FromSeconds(60), t => $"the target sequence is at {t.Value}");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        // Rows take values, and some values are taken without a row (a rolled-back insert does that too).
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await ExecuteAsync(scenario.Source,
                    "INSERT INTO app.orders (amount) SELECT g FROM generate_series(1, 5) g; SELECT nextval('app.order_ids') FROM generate_series(1, 3)");
            }
        }, Ct);

        var previous = 0L;
        var checkedTicks = 0;
        var samples = 0;
        while (checkedTicks < 20 && samples++ < 2000)
        {
            var (tick, value) = await TargetAsync(scenario.Target);
            Assert.True(value >= previous, $"the target sequence moved backwards from {previous} to {value}");
            previous = value;
            if (tick is { } applied && await AtTickAsync(scenario.Source, applied) is { } atTick)
            {
                Assert.True(value >= atTick, $"the target sequence ({value}) is behind the source's at the applied tick {applied} ({atTick})");
                checkedTicks++;
            }
            await Task.Delay(50, Ct);
        }
        Assert.True(checkedTicks >= 20, $"only {checkedTicks} applied ticks were checked");
        // The once-a-minute job leaves a set on queue v7 alone: its sequences travel with the ticks.
        Assert.Equal(0, await scenario.Engine.Services.GetRequiredService<ReplicationHousekeeping>().SyncSequencesAsync(Ct));

        await stop.CancelAsync();
        await load.ContinueWith(_ => { }, TaskScheduler.Default);
        var last = await ScalarAsync<long>(scenario.Source, "SELECT last_value FROM app.order_ids");
        var final = await new QueueAdmin(scenario.Source).TickAsync("seq_stream", Ct);
        var (_, caughtUp) = await Eventually.WaitAsync(() => TargetAsync(scenario.Target), t => t.Tick >= final, TimeSpan.FromSeconds(60),
            t => $"the target applied tick {t.Tick}, not {final}");
        Assert.Equal(last, caughtUp);
        Assert.True(last > 100, $"the workload took only {last} values");
    }

    [Theory]
    [InlineData(13)]
    [InlineData(18)]
    public async Task Upgrade_FromVersion6_KeepsConsumersAndEvents_AndLaterTicksCarrySequences(int major)
    {
        var connection = await clusters.CreateDatabaseAsync(major, "seq_upgrade");
        await using var node = NpgsqlDataSource.Create(connection);
        Assert.Equal(6, await QueueSchema.InstallAsync(node, 6, Ct));
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node, "CREATE TABLE t (id int PRIMARY KEY); CREATE SEQUENCE s; SELECT nextval('s') FROM generate_series(1, 7)");
        await admin.EnableCaptureAsync("q", "t", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);
        await ExecuteAsync(node, "INSERT INTO t VALUES (1)");

        Assert.Equal(7, await QueueSchema.InstallAsync(node, Ct));
        await QueueStream.RegisterSequenceAsync(node, "q", "s", Ct);
        var tick = await admin.TickAsync("q", Ct);

        Assert.Equal((7L, true), (await QueueStream.TickSequencesAsync(node, "q", tick, Ct))["\"public\".\"s\""]);
        var batch = await consumer.NextBatchAsync(Ct);
        Assert.NotNull(batch);
        var events = new List<QueueEvent>();
        await foreach (var e in consumer.ReadEventsAsync(batch, null, Ct))
        {
            events.Add(e);
        }
        Assert.Equal(EventTypes.Insert, Assert.Single(events).Type);
        // A dropped sequence is passed over: ticks go on.
        await ExecuteAsync(node, "DROP SEQUENCE s");
        Assert.Empty(await QueueStream.TickSequencesAsync(node, "q", await admin.TickAsync("q", Ct), Ct));
    }

    private static async Task<(long? Tick, long Value)> TargetAsync(NpgsqlDataSource target)
    {
        await using var command = target.CreateCommand(
            "SELECT (SELECT last_tick FROM ferry.subscription), (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM app.order_ids_copy)");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        return (reader.IsDBNull(0) ? null : reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<long?> AtTickAsync(NpgsqlDataSource source, long tick)
    {
        await using var command = source.CreateCommand(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM ferry.tick_sequences('seq_stream', $1) "
            + "WHERE sequence_name = '\"app\".\"order_ids\"'");
        command.Parameters.Add(new NpgsqlParameter { Value = tick });
        return await command.ExecuteScalarAsync(Ct) as long?;
    }
}
