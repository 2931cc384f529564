using System.Collections.Concurrent;
using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Queue;

public sealed class BatchTests(ClusterFixture clusters) : QueueTestBase(clusters)
{
    private const int Writers = 6;
    private const int TransactionsPerWriter = 150;

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task Batches_DeliverEveryCommittedChangeOnceAfterItsCommit_WhenWritersRaceTicks(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node, "CREATE TABLE w (id bigint PRIMARY KEY, writer int NOT NULL, v int NOT NULL)");
        await admin.EnableCaptureAsync("q", "w", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);

        // Change key ("I:17") -> newest tick known to be committed before the change's COMMIT was sent.
        var expected = new ConcurrentDictionary<string, long>();
        var rolledBack = new ConcurrentBag<string>();
        long lastTick = await admin.TickAsync("q", Ct);
        long nextId = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var ticker = Task.Run(async () =>
        {
            var random = new Random(1);
            while (!stop.IsCancellationRequested)
            {
                Volatile.Write(ref lastTick, await admin.TickAsync("q", Ct));
                await Task.Delay(random.Next(0, 15), Ct);
            }
        }, Ct);
        var delivered = new ConcurrentQueue<(Batch Batch, QueueEvent Event)>();
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var e in await DrainAsync(consumer))
                {
                    delivered.Enqueue(e);
                }
                await Task.Delay(5, Ct);
            }
        }, Ct);

        // One transaction stays open across several ticks; it must land in the batch in which it commits.
        var longTransaction = Task.Run(async () =>
        {
            await using var connection = await node.OpenConnectionAsync(Ct);
            await using var transaction = await connection.BeginTransactionAsync(Ct);
            await Execute(connection, "INSERT INTO w VALUES (-1, -1, 0)");
            var openedAt = Volatile.Read(ref lastTick);
            await WaitForAsync(() => Task.FromResult(Volatile.Read(ref lastTick) >= openedAt + 3), TimeSpan.FromSeconds(30),
                "three ticks while a transaction is open");
            await Execute(connection, "UPDATE w SET v = 1 WHERE id = -1; INSERT INTO w VALUES (-2, -1, 0)");
            var before = Volatile.Read(ref lastTick);
            await transaction.CommitAsync(Ct);
            expected["I:-1"] = before;
            expected["U:-1"] = before;
            expected["I:-2"] = before;
        }, Ct);

        var writers = Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            var random = new Random(100 + writer);
            var mine = new List<long>();
            await using var connection = await node.OpenConnectionAsync(Ct);
            for (var i = 0; i < TransactionsPerWriter; i++)
            {
                var changes = new List<string>();
                var lost = new List<string>();
                await using var transaction = await connection.BeginTransactionAsync(Ct);
                var inserted = Enumerable.Range(0, random.Next(1, 5)).Select(_ => Interlocked.Increment(ref nextId)).ToList();
                await Execute(connection, $"INSERT INTO w SELECT unnest(ARRAY[{string.Join(',', inserted)}]::bigint[]), {writer}, 0");
                changes.AddRange(inserted.Select(id => $"I:{id}"));
                if (random.Next(3) == 0)
                {
                    var doomed = Interlocked.Increment(ref nextId);
                    await Execute(connection, $"SAVEPOINT s; INSERT INTO w VALUES ({doomed}, {writer}, 0); ROLLBACK TO SAVEPOINT s");
                    lost.Add($"I:{doomed}");
                }
                if (random.Next(3) == 0)
                {
                    await Execute(connection, $"UPDATE w SET v = v + 1 WHERE id = {inserted[0]}");
                    changes.Add($"U:{inserted[0]}");
                }
                if (mine.Count > 0 && random.Next(4) == 0)
                {
                    var victim = mine[random.Next(mine.Count)];
                    await Execute(connection, $"DELETE FROM w WHERE id = {victim}");
                    changes.Add($"D:{victim}");
                    mine.Remove(victim);
                }
                var before = Volatile.Read(ref lastTick);
                if (random.Next(5) == 0)
                {
                    await transaction.RollbackAsync(Ct);
                    lost.AddRange(changes.Where(c => c.StartsWith('I')));
                }
                else
                {
                    await transaction.CommitAsync(Ct);
                    foreach (var change in changes)
                    {
                        expected[change] = before;
                    }
                    mine.AddRange(inserted);
                }
                foreach (var change in lost)
                {
                    rolledBack.Add(change);
                }
            }
        }, Ct)).ToList();

        await Task.WhenAll([.. writers, longTransaction]);
        await stop.CancelAsync();
        await Task.WhenAll(ticker.ContinueWith(_ => { }, TaskScheduler.Default), reader.ContinueWith(_ => { }, TaskScheduler.Default));
        await admin.TickAsync("q", Ct);
        foreach (var e in await DrainAsync(consumer))
        {
            delivered.Enqueue(e);
        }

        var byChange = delivered.GroupBy(d => $"{d.Event.Type}:{RowId(d.Event)}").ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), byChange.Keys.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(rolledBack, byChange.ContainsKey);
        Assert.All(byChange, c => Assert.Single(c.Value));
        Assert.Equal(delivered.Count, delivered.Select(d => d.Event.Id).Distinct().Count());
        // A batch may span several ticks (schema v3): what matters is that it closes with a tick made after the commit.
        Assert.All(expected, e => Assert.True(byChange[e.Key][0].Batch.TickId > e.Value,
            $"{e.Key} was delivered in batch ({byChange[e.Key][0].Batch.PreviousTickId}, {byChange[e.Key][0].Batch.TickId}] " +
            $"though tick {e.Value} was made before it committed"));
        // Per row, changes arrive in commit order: insert, then update, then delete.
        foreach (var row in delivered.GroupBy(d => RowId(d.Event)))
        {
            var types = string.Concat(row.OrderBy(d => d.Batch.TickId).ThenBy(d => d.Event.Id).Select(d => d.Event.Type));
            Assert.Matches("^IU?D*$", types);
        }
        Assert.True(delivered.Select(d => d.Batch.TickId).Distinct().Count() > 3, "the changes should spread over several batches");
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task RetryEvent_RedeliversToThatConsumerOnly_AfterMaintenanceRequeues(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node, "CREATE TABLE t (id int PRIMARY KEY)");
        await admin.EnableCaptureAsync("q", "t", Ct);
        var picky = new QueueConsumer(node, "q", "picky");
        var other = new QueueConsumer(node, "q", "other");
        await picky.RegisterAsync(Ct);
        await other.RegisterAsync(Ct);
        await ExecuteAsync(node, "INSERT INTO t VALUES (1), (2)");
        await admin.TickAsync("q", Ct);

        var batch = (await picky.NextBatchAsync(Ct))!;
        var first = await picky.ReadEventsAsync(batch, cancellationToken: Ct).FirstAsync(Ct);
        Assert.True(await picky.RetryEventAsync(first, TimeSpan.Zero, Ct));
        await picky.FinishBatchAsync(batch, Ct);
        Assert.Equal(2, (await DrainAsync(other)).Count);

        Assert.Equal(1, await new Ferry.Engine.Maintenance.QueueMaintenance(node).RequeueRetriesAsync("q", Ct));
        await admin.TickAsync("q", Ct);

        var again = Assert.Single(await DrainAsync(picky)).Event;
        Assert.Equal((first.Id, first.Data, 1), (again.Id, again.Data, again.Retry));
        Assert.Empty(await DrainAsync(other));
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task ReadEvents_AppliesRowFilterAndTableSet_OnTheSource(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node, "CREATE TABLE a (id int PRIMARY KEY, region text); CREATE TABLE b (id int PRIMARY KEY)");
        await admin.EnableCaptureAsync("q", "a", Ct);
        await admin.EnableCaptureAsync("q", "b", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);
        await ExecuteAsync(node,
            "INSERT INTO a VALUES (1, 'EU'), (2, 'US'), (3, NULL); INSERT INTO b VALUES (1); DELETE FROM a WHERE id = 2");
        await admin.TickAsync("q", Ct);

        var events = await DrainAsync(consumer, new BatchReadOptions
        {
            ChunkSize = 1,
            Tables = ["public.a"],
            Filters = new Dictionary<string, string>
            {
                ["public.a"] = "ev_type = 'D' OR (json_populate_record(NULL::public.a, ferry.text_row(ev_data, ev_extra))).region = 'EU'",
            },
        });

        Assert.Equal(["I (1,EU)", "D (2,US)"], events.Select(e => $"{e.Event.Type} {e.Event.Extra}"));
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task ReadEventsWithFilters_GivesEachInsertAndUpdateItsVerdict_AndKeepsEveryEvent(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        await ExecuteAsync(node,
            """CREATE SCHEMA "My App"; CREATE TABLE "My App".a (id int PRIMARY KEY, region text); CREATE TABLE b (id int PRIMARY KEY)""");
        await admin.EnableCaptureAsync("q", "\"My App\".a", Ct);
        await admin.EnableCaptureAsync("q", "b", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);
        await ExecuteAsync(node,
            """
            INSERT INTO "My App".a VALUES (1, 'EU'), (2, 'US'), (3, NULL);
            UPDATE "My App".a SET region = 'US' WHERE id = 1;
            INSERT INTO b VALUES (1);
            DELETE FROM "My App".a WHERE id = 2;
            """);
        await admin.TickAsync("q", Ct);

        var batch = (await consumer.NextBatchAsync(Ct))!;
        var events = await consumer.ReadEventsWithFiltersAsync(
            batch, new Dictionary<string, string> { ["\"My App\".a"] = "region = 'EU'" }, cancellationToken: Ct).ToListAsync(Ct);

        Assert.Equal(["I1 True", "I2 False", "I3 False", "U1 False", "I1 True", "D2 True"],
            events.Select(e => $"{e.Event.Type}{RowId(e.Event)} {e.InFilter}"));
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task NextBatch_ReturnsTheOpenBatchAgain_UntilItIsFinished(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);
        Assert.Null(await consumer.NextBatchAsync(Ct));
        await admin.TickAsync("q", Ct);

        var batch = (await consumer.NextBatchAsync(Ct))!;
        Assert.Equal(batch.TickId, (await consumer.NextBatchAsync(Ct))!.TickId);
        var lag = await consumer.GetLagAsync(Ct);
        Assert.Equal((batch.PreviousTickId, batch.TickId, batch.TickId), (lag.LastTickId, lag.OpenBatchTickId, lag.NewestTickId));
        Assert.True(await consumer.FinishBatchAsync(batch, Ct));
        Assert.False(await consumer.FinishBatchAsync(batch, Ct));
        Assert.Null(await consumer.NextBatchAsync(Ct));
        Assert.Equal(TimeSpan.Zero, (await consumer.GetLagAsync(Ct)).BehindNewestTick);
    }

    [Theory]
    [MemberData(nameof(Majors))]
    public async Task ForwarderIds_AreKept_AndATickIdGoingBackIsRefused(int major)
    {
        var node = await CreateNodeAsync(major);
        var admin = new QueueAdmin(node);
        await admin.CreateQueueAsync("q", Ct);
        var consumer = new QueueConsumer(node, "q", "c");
        await consumer.RegisterAsync(Ct);

        await admin.InsertEventAsync("q", EventTypes.Insert, "app.t", "{\"id\":1}", null, 5000, Ct);
        await admin.InsertEventAsync("q", "X", null, null, "control", null, Ct);
        Assert.Equal(100, await admin.TickAsync("q", 100, Ct));
        var error = await Assert.ThrowsAsync<PostgresException>(() => admin.TickAsync("q", 99, Ct));
        Assert.Contains("not above its newest tick 100", error.MessageText, StringComparison.Ordinal);

        var events = await DrainAsync(consumer);
        Assert.Equal([100L], events.Select(e => e.Batch.TickId).Distinct());
        // Batches come in event id order, whoever gave the ids.
        Assert.Equal(
            ["1 X control", "5000 I {\"id\":1}"],
            events.Select(e => $"{e.Event.Id} {e.Event.Type} {e.Event.Extra ?? e.Event.Data}"));
    }

    private static long RowId(QueueEvent e) => IntOf(e);

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }
}
