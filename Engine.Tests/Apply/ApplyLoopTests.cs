using Ferry.Engine.Apply;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ferry.Engine.Tests.Apply;

/// <summary>The apply loop against a real target (PostgreSQL 18), fed real captured events of a PostgreSQL 13 source.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ApplyLoopTests(ClusterFixture clusters)
{
    private const string TableSql = "CREATE TABLE items (id int PRIMARY KEY, v text NOT NULL, n int)";

    [Fact]
    public async Task RunOnce_AppliesEachBatchOnce_WhenKilledAfterTargetCommitBeforeFinish()
    {
        var ct = TestContext.Current.CancellationToken;
        var (source, target, rule) = await SetUpAsync("loop_once");
        await using var _ = source;
        await using var __ = target;
        // Counts every row the apply writes; ALWAYS fires also under session_replication_role = replica.
        await ExecuteAsync(target, """
            CREATE TABLE writes (n bigint NOT NULL);
            INSERT INTO writes VALUES (0);
            CREATE FUNCTION count_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE writes SET n = n + 1; RETURN NULL; END $$;
            CREATE TRIGGER count_write AFTER INSERT OR UPDATE OR DELETE ON items FOR EACH ROW EXECUTE FUNCTION count_write();
            ALTER TABLE items ENABLE ALWAYS TRIGGER count_write;
            """);
        var batches = await CaptureBatchesAsync(source,
            "INSERT INTO items SELECT g, 'v' || g, g FROM generate_series(1, 50) g",
            "UPDATE items SET v = v || '!' WHERE id <= 20; DELETE FROM items WHERE id > 45",
            "UPDATE items SET id = id + 100 WHERE id <= 5; INSERT INTO items VALUES (200, 'late', NULL)");
        var feed = new ListBatchSource(batches);
        using var kill = new CancellationTokenSource();
        feed.BeforeFinish = b =>
        {
            if (b.TickId == 2 && !kill.IsCancellationRequested)
            {
                kill.Cancel();
                throw new OperationCanceledException(kill.Token);
            }
        };

        var first = Loop(feed, target, rule, new BulkHandler());
        Assert.Equal(ApplyOutcome.Applied, await first.RunOnceAsync(ct));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.RunOnceAsync(kill.Token));
        var store = new TargetStateStore(target, "sub");
        Assert.Equal(2, (await store.GetSubscriptionAsync(ct)).LastTick);
        var writesAfterTwo = await ScalarAsync(target, "SELECT n FROM writes");

        // A new process: batch 2 comes again and is finished without being read or applied.
        var second = Loop(feed, target, rule, new BulkHandler());
        Assert.Equal(ApplyOutcome.AlreadyApplied, await second.RunOnceAsync(ct));
        Assert.Equal(writesAfterTwo, await ScalarAsync(target, "SELECT n FROM writes"));
        Assert.Equal(ApplyOutcome.Applied, await second.RunOnceAsync(ct));
        Assert.Equal(ApplyOutcome.Idle, await second.RunOnceAsync(ct));

        Assert.Equal([1L, 2L, 3L], feed.Finished);
        Assert.All(feed.Reads.Values, n => Assert.Equal(1, n));
        Assert.Equal(3, (await store.GetSubscriptionAsync(ct)).LastTick);
        Assert.Equal(await HashAsync(source), await HashAsync(target));
    }

    [Fact]
    public async Task RunOnce_ResumesByItself_WhenTheTargetServerRestartsMidBatch()
    {
        var ct = TestContext.Current.CancellationToken;
        // A target cluster of its own: this test restarts it.
        await using var cluster = await TestCluster.StartAsync(18, ct);
        await using var source = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(13, "loop_crash_src"));
        await using var target = NpgsqlDataSource.Create(cluster.ConnectionString());
        await ExecuteAsync(source, TableSql);
        await ExecuteAsync(target, TableSql);
        await using (var connection = await source.OpenConnectionAsync(ct))
        {
            await TestCapture.InstallAsync(connection, "public", "items", ["id"]);
        }
        var rule = await TableRuleValidator.ValidateAsync(source, target, new TableRuleRequest(new TableName("public", "items")), ct);
        await MarkCopiedAsync(target, rule);
        var scripts = Enumerable.Range(0, 8).Select(i =>
            $"INSERT INTO items SELECT g, 'r{i}', g FROM generate_series({i * 100}, {i * 100 + 150}) g ON CONFLICT (id) DO UPDATE SET v = 'u{i}'; " +
            $"DELETE FROM items WHERE id % 7 = {i % 7}").ToArray();
        var feed = new ListBatchSource(await CaptureBatchesAsync(source, scripts));
        var crashes = 0;
        feed.BeforeRead = b =>
        {
            // Restart the target in the middle of batches 3 and 6: the apply transaction is open, the server ends its
            // connection (57P01), the loop retries on a new one once the server is back. (A fast restart: the test
            // cluster runs with synchronous_commit off, so an immediate one could lose commits the loop was told about.)
            if (b.TickId is 3 or 6 && feed.Reads.GetValueOrDefault(b.TickId) == 0)
            {
                crashes++;
                cluster.RestartAsync(immediate: false, ct).GetAwaiter().GetResult();
            }
        };

        var loop = Loop(feed, target, rule, new BulkHandler());
        while (await loop.RunOnceAsync(ct) != ApplyOutcome.Idle)
        {
        }

        Assert.Equal(2, crashes);
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), feed.Finished);
        Assert.Equal(8, (await new TargetStateStore(target, "sub").GetSubscriptionAsync(ct)).LastTick);
        Assert.Equal(await HashAsync(source), await HashAsync(target));
    }

    [Fact]
    public async Task RunOnce_StopsApplyingARemovedTable_AndLeavesItsRows()
    {
        var ct = TestContext.Current.CancellationToken;
        var (source, target, rule) = await SetUpAsync("loop_remove");
        await using var _ = source;
        await using var __ = target;
        var feed = new ListBatchSource(await CaptureBatchesAsync(source,
            "INSERT INTO items SELECT g, 'x', g FROM generate_series(1, 10) g", "DELETE FROM items", "INSERT INTO items VALUES (99, 'y', 1)"));
        var loop = Loop(feed, target, rule, new BulkHandler());
        var store = new TargetStateStore(target, "sub");

        Assert.Equal(ApplyOutcome.Applied, await loop.RunOnceAsync(ct));
        Assert.True(await store.RemoveTableAsync(rule.SourceTable, ct));
        Assert.Equal(ApplyOutcome.Applied, await loop.RunOnceAsync(ct));
        Assert.Equal(ApplyOutcome.Applied, await loop.RunOnceAsync(ct));

        Assert.Equal(10L, await ScalarAsync(target, "SELECT count(*) FROM items"));
        Assert.Equal(3, (await store.GetSubscriptionAsync(ct)).LastTick);
        Assert.Empty(await store.GetTablesAsync(ct));
        Assert.False(await store.RemoveTableAsync(rule.SourceTable, ct));
    }

    [Fact]
    public async Task RunOnce_RetriesTransientErrors_ThenApplies()
    {
        var ct = TestContext.Current.CancellationToken;
        var (source, target, rule) = await SetUpAsync("loop_retry");
        await using var _ = source;
        await using var __ = target;
        var feed = new ListBatchSource(await CaptureBatchesAsync(source, "INSERT INTO items SELECT g, 'x', g FROM generate_series(1, 10) g"));
        var failures = 0;
        feed.BeforeRead = _ =>
        {
            if (failures++ < 2)
            {
                throw new PostgresException("could not serialize access", "ERROR", "ERROR", PostgresErrorCodes.SerializationFailure);
            }
        };

        var journal = new ListJournal();
        var loop = new ApplyLoop(feed, target, new TargetStateStore(target, "sub"), [rule], new BulkHandler(),
            new ApplyLoopOptions { InitialBackoff = TimeSpan.FromMilliseconds(10), Errors = journal }, TimeProvider.System,
            NullLogger<ApplyLoop>.Instance);

        Assert.Equal(ApplyOutcome.Applied, await loop.RunOnceAsync(ct));

        Assert.Equal(3, failures);
        Assert.Equal(await HashAsync(source), await HashAsync(target));
        // Both failures reported as retrying with their SQLSTATE, then one pass of the subscription's batch.
        Assert.Equal(2, journal.Reports.Count);
        Assert.All(journal.Reports, r => Assert.Equal((ApplyErrorEnding.Retrying, "40001", true), (r.Ending, r.SqlState, r.Transient)));
        Assert.Equal(1, journal.Passes);
    }

    [Fact]
    public async Task RunOnce_StopsTheTableInError_KeepingItsEvents_AndReportsTheFailingEvent_OnConstraintViolation()
    {
        var ct = TestContext.Current.CancellationToken;
        var (source, target, rule) = await SetUpAsync("loop_error");
        await using var _ = source;
        await using var __ = target;
        await ExecuteAsync(target, "ALTER TABLE items ADD CONSTRAINT no_bad CHECK (v <> 'bad')");
        var feed = new ListBatchSource(await CaptureBatchesAsync(source,
            "INSERT INTO items VALUES (1, 'fine', 1)",
            "INSERT INTO items VALUES (2, 'fine', 2); INSERT INTO items VALUES (3, 'bad', 3); INSERT INTO items VALUES (4, 'fine', 4)"));
        var journal = new ListJournal();
        var loop = new ApplyLoop(feed, target, new TargetStateStore(target, "sub"), [rule], new BulkHandler(),
            new ApplyLoopOptions { InitialBackoff = TimeSpan.FromMilliseconds(10), IdleDelay = TimeSpan.FromMilliseconds(20), Errors = journal },
            TimeProvider.System, NullLogger<ApplyLoop>.Instance);

        Assert.Equal(ApplyOutcome.Applied, await loop.RunOnceAsync(ct));
        Assert.Equal(ApplyOutcome.Applied, await loop.RunOnceAsync(ct));

        var store = new TargetStateStore(target, "sub");
        Assert.Equal("active", (await store.GetSubscriptionAsync(ct)).State);
        Assert.Equal(2, (await store.GetSubscriptionAsync(ct)).LastTick);
        var table = Assert.Single(await store.GetTablesAsync(ct));
        Assert.Equal(TableState.Error, table.State);
        Assert.Contains("no_bad", table.Error, StringComparison.Ordinal);
        Assert.Contains("23514", table.Error, StringComparison.Ordinal);
        var report = Assert.Single(journal.Reports);
        Assert.Equal(ApplyErrorEnding.TableStopped, report.Ending);
        Assert.Equal("23514", report.SqlState);
        Assert.Equal(2, report.TickId);
        Assert.Equal("I", report.Event!.Type);
        Assert.Contains("\"v\":\"bad\"", report.Event.Data, StringComparison.Ordinal);
        Assert.Equal(["id"], report.Key);
        Assert.Equal([1L, 2L], feed.Finished);
        Assert.Equal(1L, await ScalarAsync(target, "SELECT count(*) FROM items"));
        Assert.Equal(3L, await ScalarAsync(target, "SELECT count(*) FROM ferry.pending_event"));
    }

    private sealed class ListJournal : IApplyErrorJournal
    {
        public List<ApplyErrorReport> Reports { get; } = [];

        public Task FailedAsync(ApplyErrorReport report, CancellationToken cancellationToken)
        {
            Reports.Add(report);
            return Task.CompletedTask;
        }

        public int Passes { get; private set; }

        public Task PassedAsync(IReadOnlyCollection<string> tables, CancellationToken cancellationToken)
        {
            Passes++;
            return Task.CompletedTask;
        }
    }

    internal static ApplyLoop Loop(IBatchSource feed, NpgsqlDataSource target, TableRule rule, IHandler handler) =>
        new(feed, target, new TargetStateStore(target, "sub"), [rule], handler,
            new ApplyLoopOptions { InitialBackoff = TimeSpan.FromMilliseconds(10), IdleDelay = TimeSpan.FromMilliseconds(20) },
            TimeProvider.System, NullLogger<ApplyLoop>.Instance);

    /// <summary>Source on 13 with capture, target on 18, the table already copied (state ok) so every event applies.</summary>
    private async Task<(NpgsqlDataSource, NpgsqlDataSource, TableRule)> SetUpAsync(string name)
    {
        var ct = TestContext.Current.CancellationToken;
        var source = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(13, name + "_src"));
        var target = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(18, name + "_tgt"));
        await ExecuteAsync(source, TableSql);
        await ExecuteAsync(target, TableSql);
        await using (var connection = await source.OpenConnectionAsync(ct))
        {
            await TestCapture.InstallAsync(connection, "public", "items", ["id"]);
        }
        var rule = await TableRuleValidator.ValidateAsync(source, target, new TableRuleRequest(new TableName("public", "items")), ct);
        await MarkCopiedAsync(target, rule);
        return (source, target, rule);
    }

    /// <summary>Puts the table in state ok, as after its copy, so that every event applies.</summary>
    private static async Task MarkCopiedAsync(NpgsqlDataSource target, TableRule rule)
    {
        var ct = TestContext.Current.CancellationToken;
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
    }

    /// <summary>Runs each script on the source and makes its captured events one batch (batch id = tick id = 1, 2, ...).</summary>
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
        return await TestCapture.HashAsync(connection, "items", "id, v, n", "id");
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
