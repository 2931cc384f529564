using Ferry.Engine.Apply;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Apply;

/// <summary>
/// The append handler on a keyless table (docs/decisions/ADR-019-handlers.md): inserts applied exactly once across a kill
/// between the target commit and the finish, and a kill while a batch is read; an update stops the table, never skipped.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AppendHandlerTests(ClusterFixture clusters)
{
    private const string TableSql = "CREATE TABLE login_log (userid int, login_time timestamp, ip inet)";

    [Fact]
    public async Task Inserts_AreAppliedExactlyOnce_WhenKilledBetweenBatches()
    {
        var ct = TestContext.Current.CancellationToken;
        var (source, target, rule) = await SetUpAsync("append_once");
        await using var _ = source;
        await using var __ = target;
        Assert.Empty(rule.Key);
        var batches = await CaptureBatchesAsync(source,
            "INSERT INTO login_log SELECT g % 7, timestamp '2026-01-01' + g * interval '1 minute', '10.0.0.1' FROM generate_series(1, 300) g",
            "INSERT INTO login_log SELECT g % 7, timestamp '2026-02-01' + g * interval '1 minute', NULL FROM generate_series(1, 200) g",
            "INSERT INTO login_log VALUES (1, '2026-03-01', '::1'), (1, '2026-03-01', '::1')",
            "INSERT INTO login_log SELECT 9, timestamp '2026-04-01', '10.0.0.9' FROM generate_series(1, 50)");
        var feed = new ListBatchSource(batches);
        using var kill = new CancellationTokenSource();
        feed.BeforeFinish = b =>
        {
            // Killed after batch 2's target commit, before the source knows it is finished.
            if (b.TickId == 2 && !kill.IsCancellationRequested)
            {
                kill.Cancel();
                throw new OperationCanceledException(kill.Token);
            }
        };
        var killedReading = false;
        feed.BeforeRead = b =>
        {
            // Killed while batch 4 is read, its transaction open: nothing of it commits.
            if (b.TickId == 4 && !killedReading)
            {
                killedReading = true;
                throw new OperationCanceledException();
            }
        };

        var first = ApplyLoopTests.Loop(feed, target, rule, new AppendHandler());
        Assert.Equal(ApplyOutcome.Applied, await first.RunOnceAsync(ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.RunOnceAsync(kill.Token));
        Assert.Equal(500L, await ScalarAsync(target, "SELECT count(*) FROM login_log"));

        var second = ApplyLoopTests.Loop(feed, target, rule, new AppendHandler());
        Assert.Equal(ApplyOutcome.AlreadyApplied, await second.RunOnceAsync(ct));
        Assert.Equal(ApplyOutcome.Applied, await second.RunOnceAsync(ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.RunOnceAsync(ct));
        Assert.Equal(502L, await ScalarAsync(target, "SELECT count(*) FROM login_log"));

        var third = ApplyLoopTests.Loop(feed, target, rule, new AppendHandler());
        Assert.Equal(ApplyOutcome.Applied, await third.RunOnceAsync(ct));
        Assert.Equal(ApplyOutcome.Idle, await third.RunOnceAsync(ct));
        Assert.Equal([1L, 2L, 3L, 4L], feed.Finished);
        Assert.Equal(await HashAsync(source), await HashAsync(target));
    }

    [Fact]
    public async Task AnUpdate_StopsTheTableInError_WithWhatHappenedAndWhatToDo()
    {
        var ct = TestContext.Current.CancellationToken;
        var (source, target, rule) = await SetUpAsync("append_update");
        await using var _ = source;
        await using var __ = target;
        var feed = new ListBatchSource(await CaptureBatchesAsync(source,
            "INSERT INTO login_log SELECT g, timestamp '2026-01-01', NULL FROM generate_series(1, 10) g",
            "INSERT INTO login_log VALUES (11, '2026-01-02', NULL); UPDATE login_log SET ip = '10.0.0.1' WHERE userid = 3"));

        var loop = ApplyLoopTests.Loop(feed, target, rule, new AppendHandler());
        Assert.Equal(ApplyOutcome.Applied, await loop.RunOnceAsync(ct));
        Assert.Equal(ApplyOutcome.Applied, await loop.RunOnceAsync(ct));

        var table = (await new TargetStateStore(target, "sub").GetTablesAsync(ct)).Single();
        Assert.Equal(TableState.Error, table.State);
        Assert.Contains("had an UPDATE on the source", table.Error, StringComparison.Ordinal);
        Assert.Contains("applies inserts only", table.Error, StringComparison.Ordinal);
        Assert.Contains("resync the table", table.Error, StringComparison.Ordinal);
        // Stopped before the batch: not even its insert went in, and nothing was skipped silently (the events are kept).
        Assert.Equal(10L, await ScalarAsync(target, "SELECT count(*) FROM login_log"));
        Assert.Equal(0L, await ScalarAsync(target, "SELECT count(*) FROM login_log WHERE ip IS NOT NULL"));
        Assert.Equal(2L, await ScalarAsync(target, "SELECT count(*) FROM ferry.pending_event"));
    }

    /// <summary>Source on 13 with a capture of the keyless table, target on 18, the table already copied (state ok).</summary>
    private async Task<(NpgsqlDataSource, NpgsqlDataSource, TableRule)> SetUpAsync(string name)
    {
        var ct = TestContext.Current.CancellationToken;
        var source = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(13, name + "_src"));
        var target = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(18, name + "_tgt"));
        await ExecuteAsync(source, TableSql);
        await ExecuteAsync(target, TableSql);
        await using (var connection = await source.OpenConnectionAsync(ct))
        {
            await TestCapture.InstallAsync(connection, "public", "login_log", [], textRows: true);
        }
        var rule = await TableRuleValidator.ValidateAsync(
            source, target, new TableRuleRequest(new TableName("public", "login_log"), KeylessAllowed: true), ct);
        var store = new TargetStateStore(target, "sub");
        await store.InstallAsync(ct);
        await store.AddTableAsync(rule, ct);
        await store.MoveTableAsync(rule.SourceTable, TableState.Copying, cancellationToken: ct);
        await using (var connection = await target.OpenConnectionAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            await store.MoveTableAsync(connection, transaction, rule.SourceTable, TableState.CatchingUp, cancellationToken: ct);
            await store.MoveTableAsync(connection, transaction, rule.SourceTable, TableState.Ok, cancellationToken: ct);
            await transaction.CommitAsync(ct);
        }
        return (source, target, rule);
    }

    private static async Task<List<(Batch, List<ApplyEvent>)>> CaptureBatchesAsync(NpgsqlDataSource source, params string[] scripts)
    {
        await using var connection = await source.OpenConnectionAsync(TestContext.Current.CancellationToken);
        var batches = new List<(Batch, List<ApplyEvent>)>();
        long last = 0;
        foreach (var script in scripts)
        {
            await using (var command = new NpgsqlCommand(script, connection))
            {
                await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
            }
            var upTo = await TestCapture.LastIdAsync(connection);
            batches.Add((TestBatches.Tick(batches.Count + 1), await TestCapture.ReadAsync(connection, last, upTo)));
            last = upTo;
        }
        return batches;
    }

    private static async Task<string> HashAsync(NpgsqlDataSource data)
    {
        await using var connection = await data.OpenConnectionAsync(TestContext.Current.CancellationToken);
        return await TestCapture.HashAsync(connection, "login_log", "userid, login_time, ip", "userid, login_time, ip");
    }

    private static async Task<object?> ScalarAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
