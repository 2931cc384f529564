using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Tests.Support;

namespace Ferry.Engine.Tests.Queue;

/// <summary>A consumer held at a tick opens no batch past it until released or expired (schema version 6, ADR-016).</summary>
public sealed class ConsumerHoldTests(ClusterFixture clusters) : QueueTestBase(clusters)
{
    [Theory]
    [MemberData(nameof(Majors))]
    public async Task NextBatch_StopsAtTheHoldTick_UntilReleasedOrExpired(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node, "CREATE TABLE t (id int PRIMARY KEY)");
        await admin.EnableCaptureAsync("q", "t", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);
        var ticks = new List<long>();
        for (var i = 1; i <= 3; i++)
        {
            await ExecuteAsync(node, $"INSERT INTO t VALUES ({i})");
            ticks.Add(await admin.TickAsync("q", Ct));
        }

        Assert.True(await ScalarAsync<bool>(node, "SELECT ferry.hold_consumer('q', 'c', $1, '1 hour')", ticks[0]));
        Assert.False(await ScalarAsync<bool>(node, "SELECT ferry.hold_consumer('q', 'c', $1, '1 hour')", ticks[1]));
        // Behind by three ticks, the consumer would take them all in one batch; held, it stops at the first.
        var batch = await consumer.NextBatchAsync(Ct);
        Assert.Equal(ticks[0], batch!.TickId);
        await consumer.FinishBatchAsync(batch, Ct);
        Assert.Null(await consumer.NextBatchAsync(Ct));

        Assert.True(await ScalarAsync<bool>(node, "SELECT ferry.release_consumer('q', 'c', $1)", ticks[0]));
        Assert.Equal(ticks[2], (await consumer.NextBatchAsync(Ct))!.TickId);

        // An expired hold is ignored (a compare that died holds nothing).
        await consumer.FinishBatchAsync((await consumer.NextBatchAsync(Ct))!, Ct);
        await ExecuteAsync(node, "INSERT INTO t VALUES (4)");
        var next = await admin.TickAsync("q", Ct);
        Assert.True(await ScalarAsync<bool>(node, "SELECT ferry.hold_consumer('q', 'c', $1, '-1 second')", ticks[2]));
        Assert.Equal(next, (await consumer.NextBatchAsync(Ct))!.TickId);
    }
}
