using Ferry.Engine.Apply;
using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Apply;

[Collection(ClusterCollection.Name)]
public sealed class QueueBatchSourceTests(ClusterFixture clusters)
{
    [Fact]
    public async Task ReadEvents_JudgesRowsAgainstTheFilterOnTheSource_AndFinishesOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(15, "qbs_filter"));
        await QueueSchema.InstallAsync(source, ct);
        var admin = new QueueAdmin(source);
        await admin.CreateQueueAsync("q", ct);
        await using (var create = source.CreateCommand("""CREATE TABLE "s p"."t""x" (id int PRIMARY KEY, v int)"""))
        {
            await using var schema = source.CreateCommand("""CREATE SCHEMA "s p" """);
            await schema.ExecuteNonQueryAsync(ct);
            await create.ExecuteNonQueryAsync(ct);
        }
        await admin.EnableCaptureAsync("q", "\"s p\".\"t\"\"x\"", ct);
        var consumer = new QueueConsumer(source, "q", "c");
        await consumer.RegisterAsync(ct);
        await using (var writes = source.CreateCommand("""
            INSERT INTO "s p"."t""x" VALUES (1, 5), (2, -5);
            UPDATE "s p"."t""x" SET v = -v;
            DELETE FROM "s p"."t""x" WHERE id = 1;
            """))
        {
            await writes.ExecuteNonQueryAsync(ct);
        }
        await admin.TickAsync("q", ct);
        await using var feed = new QueueBatchSource(consumer, source);

        var batch = await feed.NextBatchAsync(ct);
        Assert.NotNull(batch);
        Assert.True(batch.StartSnapshot.Xmax <= batch.EndSnapshot.Xmax);
        var filters = new Dictionary<string, string> { ["\"s p\".\"t\"\"x\""] = "v > 0 -- positive only" };
        var events = new List<ApplyEvent>();
        await foreach (var e in feed.ReadEventsAsync(batch, filters, ct))
        {
            events.Add(e);
        }

        Assert.Equal(["I:True", "I:False", "U:False", "U:True", "D:True"],
            events.Select(e => $"{e.Event.Type}:{e.InFilter}").ToArray());
        await feed.FinishBatchAsync(batch, ct);
        await feed.FinishBatchAsync(batch, ct);
        Assert.Null(await feed.NextBatchAsync(ct));
    }
}
