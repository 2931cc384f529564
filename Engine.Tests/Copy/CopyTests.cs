using System.Collections.Concurrent;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Copy;
using Ferry.Engine.Demo;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Apply;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Copy;

/// <summary>Copies of the seed tables from PostgreSQL 13 to 18: whole, and filtered and renamed into <c>digoal_02</c>.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CopyTests(ClusterFixture clusters)
{
    private const string UserInfoColumns = "userid, engname, cnname, occupation, birthday, signname, email, qq, crt_time, mod_time";
    private const string UserSessionColumns = "userid, logintime, login_count, logouttime, online_interval";

    [Fact]
    public async Task CopyAll_MakesTargetEqualSource_WhileSourceIsWritten()
    {
        var ct = TestContext.Current.CancellationToken;
        var (source, target) = await SeedAsync("copy_all", "digoal_01", allTables: true);
        await using var disposeSource = source;
        await using var disposeTarget = target;
        await using (var connection = await source.OpenConnectionAsync(ct))
        {
            await TestCapture.InstallAsync(connection, "digoal_01", "user_session", ["userid"]);
        }
        var rules = new List<TableRule>();
        foreach (var table in SeedScenario.KeyedTables)
        {
            rules.Add(await TableRuleValidator.ValidateAsync(source, target, new TableRuleRequest(new TableName("digoal_01", table)), ct));
        }
        var store = new TargetStateStore(target, "s1");
        await store.InstallAsync(ct);
        var options = new CopyOptions { MaxConcurrentCopies = 1, ProgressInterval = TimeSpan.Zero };
        using var scheduler = new CopyScheduler(new TableCopy(source, target, store, new BulkHandler(), options), options);
        var reports = new ConcurrentQueue<CopyProgress>();

        // Logins keep writing user_session while both tables copy, one at a time.
        using var stop = new CancellationTokenSource();
        var workload = WorkloadAsync(source, stop.Token);
        var results = await scheduler.CopyAllAsync(rules, new SyncProgress(reports), ct);
        await Task.Delay(200, ct);
        await stop.CancelAsync();
        await workload;

        // Hand over: the captured events apply when the copy's snapshot did not see them (as the apply loop does in catching-up).
        var session = rules.Single(r => r.Source.Name == "user_session");
        var snapshot = results.Single(r => r.SourceTable == session.SourceTable).Snapshot;
        List<ApplyEvent> events;
        await using (var connection = await source.OpenConnectionAsync(ct))
        {
            events = await TestCapture.ReadAsync(connection, 0, long.MaxValue);
        }
        var toApply = events.Where(e => CopyHandover.Decide(TableState.CatchingUp, snapshot, e.Event.TxId) == HandoverAction.Apply).ToList();
        Assert.NotEmpty(toApply);
        Assert.NotEqual(events.Count, toApply.Count);
        await using (var connection = await target.OpenConnectionAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            await new RowHandler().ApplyAsync(new HandlerTarget(connection, transaction, rules.ToDictionary(r => r.SourceTable)),
                TestCapture.AsAsync(toApply), ct);
            await transaction.CommitAsync(ct);
        }

        Assert.Equal(await HashAsync(source, "digoal_01.user_info", UserInfoColumns), await HashAsync(target, "digoal_01.user_info", UserInfoColumns));
        Assert.Equal(await HashAsync(source, "digoal_01.user_session", UserSessionColumns),
            await HashAsync(target, "digoal_01.user_session", UserSessionColumns));
        Assert.All(results, r => Assert.Equal(2000, r.Rows));
        Assert.Contains(reports, p => p is { Done: true, RowsCopied: 2000, RowsEstimated: 2000 });
        Assert.All(await store.GetTablesAsync(ct), t => Assert.Equal(TableState.CatchingUp, t.State));
    }

    [Fact]
    public async Task Copy_WithFilterAndRename_HoldsOnlyFilteredRows_AndReplaysKeptEvents()
    {
        var ct = TestContext.Current.CancellationToken;
        var (source, unused) = await SeedAsync("copy_f", "digoal_01", allTables: true);
        await using var disposeSource = source;
        await unused.DisposeAsync();
        var target = NpgsqlDataSource.Create(await SeedScenario.CreateTargetAsync(
            (await clusters.GetAsync(18)).ConnectionString(), "copy_f_t2", "digoal_02", "pw2", allTables: false, ct));
        await using var disposeTarget = target;
        const string Filter = "userid <= 500";
        var rule = await TableRuleValidator.ValidateAsync(source, target,
            new TableRuleRequest(new TableName("digoal_01", "user_info"), new TableName("digoal_02", "user_info"), Filter), ct);
        await ExecuteAsync(target, """
            INSERT INTO digoal_02.user_info (userid, engname) VALUES (7, 'stale row inside the filter');
            CREATE INDEX user_info_email ON digoal_02.user_info (email);
            """);
        var store = new TargetStateStore(target, "s2");
        await store.InstallAsync(ct);
        await store.AddTableAsync(rule, ct);

        // Events the loop kept while the table was copying: one the copy's snapshot sees (committed long ago), one it cannot
        // (a txid far in the future): only the second is replayed.
        await store.MoveTableAsync(rule.SourceTable, TableState.Copying, cancellationToken: ct);
        await using (var connection = await target.OpenConnectionAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            await store.KeepPendingAsync(connection, transaction, [
                new ApplyEvent(new Ferry.Engine.Queue.QueueEvent(1, 3, default, "U", rule.SourceTable, """{"userid": 8, "engname": "seen"}""", null)),
                new ApplyEvent(new Ferry.Engine.Queue.QueueEvent(2, long.MaxValue - 1, default, "D", rule.SourceTable, """{"userid": 9}""", null)),
            ], ct);
            await transaction.CommitAsync(ct);
        }
        var options = new CopyOptions { BuildIndexesAfterDataAbove = 0 };
        var result = await new TableCopy(source, target, store, new BulkHandler(), options).CopyAsync(rule, null, ct);

        Assert.Equal(500, result.Rows);
        Assert.Equal(1, result.ReplayedEvents);
        Assert.Equal(await HashAsync(source, "digoal_01.user_info", UserInfoColumns, $"{Filter} AND userid <> 9"),
            await HashAsync(target, "digoal_02.user_info", UserInfoColumns));
        await using var index = target.CreateCommand("SELECT count(*) FROM pg_indexes WHERE indexname = 'user_info_email'");
        Assert.Equal(1L, await index.ExecuteScalarAsync(ct));
    }

    [Fact]
    public async Task Copy_KilledMidStream_LeavesTargetAndKeptEventsUntouched_AndRunsAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var (source, target) = await SeedAsync("copy_kill", "digoal_01", allTables: false);
        await using var disposeSource = source;
        await using var disposeTarget = target;
        var rule = await TableRuleValidator.ValidateAsync(source, target, new TableRuleRequest(new TableName("digoal_01", "user_info")), ct);
        await ExecuteAsync(target, "INSERT INTO digoal_01.user_info (userid, engname) VALUES (1, 'before')");
        var store = new TargetStateStore(target, "s3");
        await store.InstallAsync(ct);
        var copy = new TableCopy(source, target, store, new BulkHandler(), new CopyOptions { ProgressInterval = TimeSpan.Zero });
        using var kill = new CancellationTokenSource();
        var reports = new ConcurrentQueue<CopyProgress>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => copy.CopyAsync(rule, new SyncProgress(reports, kill), kill.Token));

        Assert.Contains(reports, p => p.RowsCopied is > 0 and < 2000);
        Assert.Equal(TableState.Copying, (await store.GetTablesAsync(ct)).Single().State);
        await using (var before = target.CreateCommand("SELECT string_agg(engname, ',') FROM digoal_01.user_info"))
        {
            Assert.Equal("before", await before.ExecuteScalarAsync(ct));
        }
        var result = await copy.CopyAsync(rule, null, ct);
        Assert.Equal(2000, result.Rows);
        Assert.Equal(await HashAsync(source, "digoal_01.user_info", UserInfoColumns), await HashAsync(target, "digoal_01.user_info", UserInfoColumns));
    }

    private async Task<(NpgsqlDataSource Source, NpgsqlDataSource Target)> SeedAsync(string name, string role, bool allTables)
    {
        var ct = TestContext.Current.CancellationToken;
        var source = await SeedScenario.CreateSourceAsync((await clusters.GetAsync(13)).ConnectionString(), name + "_src", "digoal_01", "pw1",
            2000, ct);
        var target = await SeedScenario.CreateTargetAsync((await clusters.GetAsync(18)).ConnectionString(), name + "_t1", role, "pw1", allTables, ct);
        return (NpgsqlDataSource.Create(source), NpgsqlDataSource.Create(target));
    }

    private static async Task WorkloadAsync(NpgsqlDataSource source, CancellationToken stop)
    {
        var random = new Random(4);
        await using var connection = await source.OpenConnectionAsync(CancellationToken.None);
        while (!stop.IsCancellationRequested)
        {
            await using var command = new NpgsqlCommand(
                random.Next(2) == 0 ? "SELECT digoal_01.f_user_login($1)" : "SELECT digoal_01.f_user_logout($1)", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = random.Next(1, 2001) });
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    internal static async Task<string> HashAsync(NpgsqlDataSource data, string table, string columns, string? where = null)
    {
        await using var connection = await data.OpenConnectionAsync(TestContext.Current.CancellationToken);
        return await TestCapture.HashAsync(connection, table, columns, "userid", where);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Reports synchronously (<see cref="Progress{T}"/> posts to the thread pool and may report after the copy ends).</summary>
    private sealed class SyncProgress(ConcurrentQueue<CopyProgress> reports, CancellationTokenSource? cancelOnReport = null)
        : IProgress<CopyProgress>
    {
        public void Report(CopyProgress value)
        {
            reports.Enqueue(value);
            cancelOnReport?.Cancel();
        }
    }
}
