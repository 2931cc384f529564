using Ferry.Engine.Consumers;
using Ferry.Engine.Queue;
using Ferry.Engine.Tests.Queue;
using Ferry.Engine.Tests.Support;
using Ferry.Engine.Topology;
using Npgsql;

namespace Ferry.Engine.Tests.Topology;

/// <summary>
/// Cascade, first step (docs/decisions/ADR-022-cascade.md): a branch forwards its provider's batches into its own queue in
/// its own transaction; a leaf reading the branch gets the same tick ids and the same events (ids, rows) as it would from
/// the root, and a forward that rolls back leaves nothing.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ForwardTests(ClusterFixture clusters) : QueueTestBase(clusters)
{
    [Theory]
    [InlineData(13, 15)]
    [InlineData(18, 13)]
    [InlineData(15, 18)]
    public async Task BranchForwardingInItsTransaction_GivesTheLeafTheRootsTickIdsAndEvents_AndARollbackForwardsNothing(
        int rootMajor, int branchMajor)
    {
        var root = await CreateNodeAsync(rootMajor);
        var branch = await CreateNodeAsync(branchMajor);
        await new QueueAdmin(root).CreateQueueAsync("q", Ct);
        await new QueueAdmin(branch).CreateQueueAsync("q", Ct);
        await ExecuteAsync(root, "CREATE TABLE w (id bigint PRIMARY KEY, v text)");
        await new QueueAdmin(root).EnableCaptureAsync("q", "w", Ct);
        var fromRoot = new QueueConsumer(root, "q", "branch");
        await fromRoot.RegisterAsync(Ct);
        var leaf = new QueueConsumer(branch, "q", "leaf");
        await leaf.RegisterAsync(Ct);
        var forwarder = new BatchForwarder("q");
        var rootAdmin = new QueueAdmin(root);

        // Three root batches: some rows, a rolled-back transaction, an update and a delete.
        var rootBatches = new List<(long Tick, List<QueueEvent> Events)>();
        string[] writes =
        [
            "INSERT INTO w SELECT g, 'row ' || g FROM generate_series(1, 50) g",
            "BEGIN; INSERT INTO w VALUES (1000, 'rolled back'); ROLLBACK; UPDATE w SET v = 'changed' WHERE id <= 10",
            "DELETE FROM w WHERE id > 40",
        ];
        foreach (var write in writes)
        {
            await ExecuteAsync(root, write);
            await rootAdmin.TickAsync("q", Ct);
            // Two empty ticks: the forwarder gets them in one batch with the next write's tick, and forwards all three ids.
            await rootAdmin.TickAsync("q", Ct);
            await rootAdmin.TickAsync("q", Ct);
            var batch = await fromRoot.NextBatchAsync(0, Ct);
            Assert.NotNull(batch);
            var events = await fromRoot.ReadEventsAsync(batch, cancellationToken: Ct).ToListAsync(Ct);
            await ForwardAsync(batch, events);
            rootBatches.Add((batch.TickId, events));
            var empty = await fromRoot.NextBatchAsync(0, Ct);
            Assert.NotNull(empty);
            Assert.Empty(await fromRoot.ReadEventsAsync(empty, cancellationToken: Ct).ToListAsync(Ct));
            await ForwardAsync(empty, []);
            rootBatches.Add((empty.TickId, []));
        }

        async Task ForwardAsync(Batch batch, List<QueueEvent> events)
        {
            await using (var connection = await branch.OpenConnectionAsync(Ct))
            await using (var transaction = await connection.BeginTransactionAsync(Ct))
            {
                Assert.Equal(events.Count, await forwarder.ForwardAsync(connection, transaction, batch,
                    await BatchForwarder.InnerTicksAsync(root, batch, Ct), events.ToAsyncEnumerable(), Ct));
                await transaction.CommitAsync(Ct);
            }
            await fromRoot.FinishBatchAsync(batch, Ct);
        }

        // A forward rolled back (the branch's apply failed): no event and no tick of it on the branch.
        await ExecuteAsync(root, "INSERT INTO w VALUES (2000, 'not yet')");
        await rootAdmin.TickAsync("q", Ct);
        var pending = await fromRoot.NextBatchAsync(0, Ct);
        Assert.NotNull(pending);
        await using (var connection = await branch.OpenConnectionAsync(Ct))
        await using (var transaction = await connection.BeginTransactionAsync(Ct))
        {
            await forwarder.ForwardAsync(
                connection, transaction, pending, [], fromRoot.ReadEventsAsync(pending, cancellationToken: Ct), Ct);
            await transaction.RollbackAsync(Ct);
        }
        Assert.Equal(0L, await ScalarAsync<long>(branch, "SELECT count(*) FROM ferry.tick WHERE tick_id = $1", pending.TickId));

        // The branch holds every tick id of the root; the leaf reads the same batches, ending at the same tick ids, with the
        // same events.
        Assert.Equal(await ScalarAsync<string>(root,
                "SELECT string_agg(tick_id::text, ',' ORDER BY tick_id) FROM ferry.tick WHERE tick_id > 1 AND tick_id < $1",
                pending.TickId),
            await ScalarAsync<string>(branch, "SELECT string_agg(tick_id::text, ',' ORDER BY tick_id) FROM ferry.tick WHERE tick_id > 1"));
        foreach (var (tick, events) in rootBatches)
        {
            var batch = await leaf.NextBatchAsync(0, Ct);
            Assert.NotNull(batch);
            Assert.Equal(tick, batch.TickId);
            var forwarded = await leaf.ReadEventsAsync(batch, cancellationToken: Ct).ToListAsync(Ct);
            Assert.Equal(events.Select(e => (e.Id, e.Type, e.Table, e.Data, e.Extra)),
                forwarded.Select(e => (e.Id, e.Type, e.Table, e.Data, e.Extra)));
            await leaf.FinishBatchAsync(batch, Ct);
        }
        Assert.Equal(70, rootBatches.Sum(b => b.Events.Count));
        Assert.Null(await leaf.NextBatchAsync(0, Ct));

        // Forwarding the pending batch again after the rollback works, and a batch already forwarded is refused.
        await using (var connection = await branch.OpenConnectionAsync(Ct))
        {
            await using (var transaction = await connection.BeginTransactionAsync(Ct))
            {
                Assert.Equal(1, await forwarder.ForwardAsync(connection, transaction, pending, [],
                    fromRoot.ReadEventsAsync(pending, cancellationToken: Ct), Ct));
                await transaction.CommitAsync(Ct);
            }
            await using (var again = await connection.BeginTransactionAsync(Ct))
            {
                var refused = await Assert.ThrowsAsync<PostgresException>(() => forwarder.ForwardAsync(connection, again, pending, [],
                    AsyncEnumerable.Empty<QueueEvent>(), Ct));
                Assert.Contains("is not above its newest tick", refused.MessageText, StringComparison.Ordinal);
            }
        }
        var last = await leaf.NextBatchAsync(0, Ct);
        Assert.NotNull(last);
        Assert.Equal(pending.TickId, last.TickId);
        Assert.Contains(await leaf.ReadEventsAsync(last, cancellationToken: Ct).ToListAsync(Ct),
            e => e.Extra!.Contains("not yet", StringComparison.Ordinal));
    }
}
