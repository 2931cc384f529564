using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Tests.Queue;
using Ferry.Engine.Tests.Support;
using Ferry.Engine.Ticker;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ferry.Engine.Tests.Ticker;

public sealed class TickerTests(ClusterFixture clusters) : QueueTestBase(clusters)
{
    [Theory]
    [MemberData(nameof(Majors))]
    public async Task TickOnce_TicksOnlyWhenCountLagOrIdleRuleIsMet(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node, "CREATE TABLE t (id int PRIMARY KEY)");
        await admin.EnableCaptureAsync("q", "t", Ct);
        var hour = TimeSpan.FromHours(1);
        await admin.ConfigureAsync("q", new QueueSettings(TickerMaxCount: 3, TickerMaxLag: hour, TickerIdlePeriod: hour), Ct);
        var ticker = new TickerLoop(node, "q", new TickerOptions(), TimeProvider.System, NullLogger<TickerLoop>.Instance);
        await using var connection = await node.OpenConnectionAsync(Ct);

        Assert.Null(await ticker.TickOnceAsync(connection, Ct));
        await ExecuteAsync(node, "INSERT INTO t VALUES (1), (2)");
        Assert.Null(await ticker.TickOnceAsync(connection, Ct));
        await ExecuteAsync(node, "INSERT INTO t VALUES (3)");
        Assert.NotNull(await ticker.TickOnceAsync(connection, Ct));

        await admin.ConfigureAsync("q", new QueueSettings(TickerMaxLag: TimeSpan.Zero), Ct);
        Assert.Null(await ticker.TickOnceAsync(connection, Ct));
        await ExecuteAsync(node, "INSERT INTO t VALUES (4)");
        Assert.NotNull(await ticker.TickOnceAsync(connection, Ct));

        await admin.ConfigureAsync("q", new QueueSettings(TickerIdlePeriod: TimeSpan.Zero), Ct);
        Assert.NotNull(await ticker.TickOnceAsync(connection, Ct));

        await admin.ConfigureAsync("q", new QueueSettings(TickerPaused: true), Ct);
        await ExecuteAsync(node, "INSERT INTO t VALUES (5)");
        Assert.Null(await ticker.TickOnceAsync(connection, Ct));
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task Run_TicksInOneProcessOnly_AndAnotherTakesOverWhenItStops(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        var queueId = await admin.CreateQueueAsync("q", Ct);
        await admin.ConfigureAsync("q", new QueueSettings(TickerIdlePeriod: TimeSpan.Zero), Ct);
        var options = new TickerOptions { PollInterval = TimeSpan.FromMilliseconds(20), LockRetryInterval = TimeSpan.FromMilliseconds(50) };
        // Two "processes": separate data sources, as two Portals would have.
        await using var otherSource = NpgsqlDataSource.Create(node.ConnectionString);
        var first = new TickerLoop(node, "q", options, TimeProvider.System, NullLogger<TickerLoop>.Instance);
        var second = new TickerLoop(otherSource, "q", options, TimeProvider.System, NullLogger<TickerLoop>.Instance);
        using var stopFirst = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var stopSecond = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var firstRun = first.RunAsync(stopFirst.Token);
        await WaitForAsync(async () => await HolderAsync(node, queueId) is not null, TimeSpan.FromSeconds(10), "the first ticker's lock");
        var firstHolder = await HolderAsync(node, queueId);
        var secondRun = second.RunAsync(stopSecond.Token);
        var ticks = await NewestTickAsync(node);
        await WaitForAsync(async () => await NewestTickAsync(node) >= ticks + 5, TimeSpan.FromSeconds(10), "ticks");
        Assert.Equal(firstHolder, await HolderAsync(node, queueId));
        Assert.Equal(1L, await ScalarAsync<long>(node, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1",
            (long)queueId));

        await stopFirst.CancelAsync();
        await firstRun;
        await WaitForAsync(async () => await HolderAsync(node, queueId) is { } pid && pid != firstHolder, TimeSpan.FromSeconds(10),
            "the second ticker to take over");
        ticks = await NewestTickAsync(node);
        await WaitForAsync(async () => await NewestTickAsync(node) >= ticks + 3, TimeSpan.FromSeconds(10), "ticks after takeover");

        await stopSecond.CancelAsync();
        await secondRun;
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task Run_DeliversACommittedChangeToAListeningConsumer_WithDefaultSettings(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node, "CREATE TABLE t (id int PRIMARY KEY)");
        await admin.EnableCaptureAsync("q", "t", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);
        await using var listener = await consumer.ListenAsync(Ct);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = new TickerLoop(node, "q", new TickerOptions(), TimeProvider.System, NullLogger<TickerLoop>.Instance).RunAsync(stop.Token);

        await ExecuteAsync(node, "INSERT INTO t VALUES (1)");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var delivered = false;
        while (!delivered && watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            while (await consumer.NextBatchAsync(Ct) is { } batch)
            {
                delivered |= await consumer.ReadEventsAsync(batch, cancellationToken: Ct).AnyAsync(Ct);
                await consumer.FinishBatchAsync(batch, Ct);
            }
            if (!delivered)
            {
                await listener.WaitAsync(TimeSpan.FromSeconds(1), Ct);
            }
        }
        var latency = watch.Elapsed;
        await stop.CancelAsync();
        await run;

        Assert.True(delivered);
        // Defaults: tick when 200 ms passed with events pending, asked every 100 ms, consumers woken by NOTIFY. The bound
        // is loose because this machine is shared; an idle one delivers in about the poll interval.
        Assert.True(latency < TimeSpan.FromSeconds(3), $"delivered after {latency}");
        TestContext.Current.SendDiagnosticMessage($"PostgreSQL {major}: change delivered after {latency.TotalMilliseconds:F0} ms");
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task TickListener_WakesOnTickOfItsQueueOnly(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await admin.CreateQueueAsync("other", Ct);
        await using var listener = await new QueueConsumer(node, "q", "c").ListenAsync(Ct);

        await admin.TickAsync("other", Ct);
        Assert.False(await listener.WaitAsync(TimeSpan.FromMilliseconds(200), Ct));
        await admin.TickAsync("q", Ct);
        Assert.True(await listener.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.False(await listener.WaitAsync(TimeSpan.FromMilliseconds(50), Ct));
    }

    private static async Task<int?> HolderAsync(NpgsqlDataSource node, int queueId)
    {
        await using var command = node.CreateCommand(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted AND database = " +
            "(SELECT oid FROM pg_database WHERE datname = current_database())");
        command.Parameters.Add(new NpgsqlParameter { Value = (long)queueId });
        return await command.ExecuteScalarAsync(Ct) as int?;
    }

    private static Task<long> NewestTickAsync(NpgsqlDataSource node) => ScalarAsync<long>(node, "SELECT max(tick_id) FROM ferry.tick");
}
