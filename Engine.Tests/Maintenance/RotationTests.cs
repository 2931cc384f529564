using System.Collections.Concurrent;
using Ferry.Engine.Consumers;
using Ferry.Engine.Maintenance;
using Ferry.Engine.Queue;
using Ferry.Engine.Tests.Queue;
using Ferry.Engine.Tests.Support;

namespace Ferry.Engine.Tests.Maintenance;

public sealed class RotationTests(ClusterFixture clusters) : QueueTestBase(clusters)
{
    [Theory]
    [MemberData(nameof(Majors))]
    public async Task Rotate_WaitsForTheSlowestConsumer_BeforeEmptyingATable(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node, "CREATE TABLE t (id int PRIMARY KEY)");
        await admin.EnableCaptureAsync("q", "t", Ct);
        var maintenance = new QueueMaintenance(node);
        var slow = new QueueConsumer(node, "q", "slow");
        await slow.RegisterAsync(Ct);
        await ExecuteAsync(node, "INSERT INTO t VALUES (1)");
        await admin.TickAsync("q", Ct);

        // Three tables: two switches leave the event in the table the third switch would empty.
        Assert.True(await maintenance.RotateAsync("q", force: true, Ct));
        Assert.True(await maintenance.RotateAsync("q", force: true, Ct));
        Assert.False(await maintenance.RotateAsync("q", force: true, Ct));
        Assert.False(await maintenance.RotateAsync("q", force: false, Ct));

        Assert.Single(await DrainAsync(slow));
        Assert.True(await maintenance.RotateAsync("q", force: true, Ct));
        Assert.Equal(0L, await ScalarAsync<long>(node, "SELECT count(*) FROM ferry.event_1"));
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task Rotation_LosesNothingAndReclaimsSpace_UnderLoadWithFastAndSlowConsumers(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await admin.ConfigureAsync("q", new QueueSettings(RotationPeriod: TimeSpan.Zero), Ct);
        await ExecuteAsync(node, "CREATE TABLE t (id bigint PRIMARY KEY, payload text NOT NULL)");
        await admin.EnableCaptureAsync("q", "t", Ct);
        var maintenance = new QueueMaintenance(node);
        QueueConsumer[] consumers = [new(node, "q", "fast"), new(node, "q", "slow")];
        foreach (var consumer in consumers)
        {
            await consumer.RegisterAsync(Ct);
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var received = consumers.Select(_ => new ConcurrentBag<long>()).ToArray();
        var rotations = 0;
        var refused = 0;
        long written = 0;

        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 300; i++)
            {
                var id = Interlocked.Increment(ref written);
                await ExecuteAsync(node, "INSERT INTO t VALUES ($1, repeat('x', 200))", id);
            }
        }, Ct)).ToList();
        var ticker = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await admin.TickAsync("q", Ct);
                await Task.Delay(10, Ct);
            }
        }, Ct);
        var housekeeping = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (await maintenance.RotateAsync("q", force: false, Ct))
                {
                    Interlocked.Increment(ref rotations);
                }
                else
                {
                    Interlocked.Increment(ref refused);
                }
                await maintenance.RemoveTicksAsync("q", Ct);
                await Task.Delay(15, Ct);
            }
        }, Ct);
        var readers = consumers.Select((consumer, c) => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (await consumer.NextBatchAsync(Ct) is not { } batch)
                {
                    await Task.Delay(5, Ct);
                    continue;
                }
                await foreach (var e in consumer.ReadEventsAsync(batch, cancellationToken: Ct))
                {
                    received[c].Add(RowId(e));
                }
                // The slow consumer takes its time over every batch.
                await Task.Delay(c == 0 ? 0 : 60, Ct);
                await consumer.FinishBatchAsync(batch, Ct);
            }
        }, Ct)).ToList();

        await Task.WhenAll(writers);
        await stop.CancelAsync();
        await Task.WhenAll(readers.Append(ticker).Append(housekeeping).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        await admin.TickAsync("q", Ct);
        for (var c = 0; c < consumers.Length; c++)
        {
            foreach (var (_, e) in await DrainAsync(consumers[c]))
            {
                received[c].Add(RowId(e));
            }
        }

        var all = Enumerable.Range(1, (int)written).Select(i => (long)i).ToList();
        Assert.All(received, r => Assert.Equal(all, r.Order()));
        Assert.True(rotations >= 3, $"only {rotations} rotations happened ({refused} refused)");
        // Once both consumers are through, every table but the current one can be emptied.
        var sizeBefore = await ScalarAsync<long>(node, EventTablesSizeSql);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await maintenance.RotateAsync("q", force: true, Ct));
        }
        Assert.Equal(0L, await ScalarAsync<long>(node, "SELECT count(*) FROM ferry.event_1"));
        var sizeAfter = await ScalarAsync<long>(node, EventTablesSizeSql);
        Assert.True(sizeAfter < sizeBefore, $"event tables take {sizeAfter} bytes after rotation, {sizeBefore} before");
        Assert.True(await maintenance.RemoveTicksAsync("q", Ct) >= 0);
        Assert.True(await ScalarAsync<long>(node, "SELECT count(*) FROM ferry.tick") <= 2);
    }

    private const string EventTablesSizeSql =
        "SELECT sum(pg_relation_size(inhrelid))::bigint FROM pg_inherits WHERE inhparent = 'ferry.event_1'::regclass";

    private static long RowId(QueueEvent e) => IntOf(e);
}
