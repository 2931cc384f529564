using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Tests.Support;

namespace Ferry.Engine.Tests.Queue;

/// <summary>A consumer behind by several ticks takes them in one batch, within the event budget (schema version 3).</summary>
public sealed class BatchMergeTests(ClusterFixture clusters) : QueueTestBase(clusters)
{
    [Theory]
    [MemberData(nameof(Majors))]
    public async Task NextBatch_SpansSeveralTicks_WhenConsumerIsBehind(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node, "CREATE TABLE t (id int PRIMARY KEY, v text)");
        await admin.EnableCaptureAsync("q", "t", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);

        var ticks = new List<long>();
        for (var i = 1; i <= 5; i++)
        {
            await ExecuteAsync(node, $"INSERT INTO t VALUES ({i}, 'row {i}')");
            ticks.Add(await admin.TickAsync("q", Ct));
        }

        var events = await DrainAsync(consumer);

        Assert.Equal([1, 2, 3, 4, 5], events.Select(e => (int)IntOf(e.Event)));
        var batch = Assert.Single(events.Select(e => e.Batch).Distinct());
        Assert.Equal(ticks[^1], batch.TickId);
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task NextBatch_StopsAtTheEventBudget_ButTakesAtLeastOneTick(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node, "CREATE TABLE t (id int PRIMARY KEY)");
        await admin.EnableCaptureAsync("q", "t", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);
        var start = await ScalarAsync<long>(node, "SELECT max(tick_id) FROM ferry.tick");

        await ExecuteAsync(node, "INSERT INTO t SELECT generate_series(1, 30000)");
        var big = await admin.TickAsync("q", Ct);
        await ExecuteAsync(node, "INSERT INTO t VALUES (-1)");
        var small = await admin.TickAsync("q", Ct);

        // 30,000 events exceed the default budget of 20,000: the first batch is that one tick alone.
        var first = await ScalarAsync<long>(node, "SELECT batch_tick FROM ferry.next_batch('q', 'c')");
        Assert.Equal(big, first);
        await ExecuteAsync(node, "SELECT ferry.finish_batch('q', 'c', $1)", first);
        // With a budget of one event, a forwarder gets one tick per batch.
        Assert.Equal(small, await ScalarAsync<long>(node, "SELECT batch_tick FROM ferry.next_batch('q', 'c', 1)"));
        Assert.True(start < big);
    }
}
