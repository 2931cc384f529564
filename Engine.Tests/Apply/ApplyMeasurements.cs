using System.Diagnostics;
using System.Globalization;
using Ferry.Engine.Apply;
using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Consumers;
using Ferry.Engine.Copy;
using Ferry.Engine.Demo;
using Ferry.Engine.Queue;
using Ferry.Engine.Rules;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Support;
using Npgsql;

namespace Ferry.Engine.Tests.Apply;

/// <summary>
/// Measurements behind the apply and copy defaults (explicit: run with <c>-- --explicit only</c>); they print ratios of one
/// run and assert only that every variant produced the same target.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ApplyMeasurements(ClusterFixture clusters, ITestOutputHelper output)
{
    [Fact(Explicit = true)]
    public async Task Handlers_RowAgainstBulkUpsertAgainstBulkMerge()
    {
        var ct = TestContext.Current.CancellationToken;
        const int Users = 100_000;
        const int Batches = 4;
        const int EventsPerBatch = 25_000;
        await using var data = NpgsqlDataSource.Create(await clusters.CreateDatabaseAsync(18, "measure_handlers"));
        var rule = new TableRule("public.user_session", new TableName("public", "user_session"), new TableName("public", "x"),
        [
            new("userid", "integer", "pg_catalog.int4", true), new("logintime", "timestamp(0) without time zone", "pg_catalog.timestamp", false),
            new("login_count", "bigint", "pg_catalog.int8", false), new("logouttime", "timestamp(0) without time zone", "pg_catalog.timestamp", false),
            new("online_interval", "interval", "pg_catalog.interval", false),
        ], ["userid"], null);
        var random = new Random(5);
        var batches = Enumerable.Range(0, Batches).Select(b => Enumerable.Range(0, EventsPerBatch).Select(i =>
        {
            var user = random.Next(1, Users + 1);
            var json = string.Create(CultureInfo.InvariantCulture,
                $$"""{"userid":{{user}},"logintime":"2026-11-25T14:{{i % 60:00}}:00","login_count":{{b * EventsPerBatch + i}},"logouttime":null,"online_interval":"00:{{i % 60:00}}:00"}""");
            return new ApplyEvent(new QueueEvent(b * EventsPerBatch + i, 1000, default, i % 50 == 0 ? EventTypes.Delete : EventTypes.Update,
                "public.user_session", json, null));
        }).ToList()).ToList();

        var results = new List<(string Name, TimeSpan Time, string Hash)>();
        foreach (var (name, handler) in new (string, IHandler)[]
        {
            ("row", new RowHandler()), ("bulk upsert", new BulkHandler()), ("bulk merge", new BulkHandler(BulkApply.Merge)),
        })
        {
            var table = "t_" + name.Replace(' ', '_');
            await ExecuteAsync(data, $"""
                DROP TABLE IF EXISTS {table};
                CREATE TABLE {table} (userid int PRIMARY KEY, logintime timestamp(0), login_count bigint DEFAULT 0,
                    logouttime timestamp(0), online_interval interval DEFAULT '0');
                INSERT INTO {table} (userid) SELECT generate_series(1, {Users});
                """);
            await ExecuteAsync(data, $"VACUUM ANALYZE {table}");
            var tableRule = rule with { Target = new TableName("public", table) };
            var clock = Stopwatch.StartNew();
            foreach (var batch in batches)
            {
                await using var connection = await data.OpenConnectionAsync(ct);
                await using var transaction = await connection.BeginTransactionAsync(ct);
                await handler.ApplyAsync(new HandlerTarget(connection, transaction, new Dictionary<string, TableRule> { ["public.user_session"] = tableRule }),
                    TestCapture.AsAsync(batch), ct);
                await transaction.CommitAsync(ct);
            }
            clock.Stop();
            await using var connection2 = await data.OpenConnectionAsync(ct);
            results.Add((name, clock.Elapsed, await TestCapture.HashAsync(connection2, table, "userid, logintime, login_count, logouttime, online_interval", "userid")));
        }
        foreach (var (name, time, _) in results)
        {
            output.WriteLine($"{name}: {time.TotalSeconds:F2} s, {Batches * EventsPerBatch / time.TotalSeconds:F0} events/s, " +
                $"{results[0].Time / time:F1}x the row handler");
        }
        Assert.Single(results.Select(r => r.Hash).Distinct());
    }

    [Fact(Explicit = true)]
    public async Task Copy_AgainstPlainPipe_AndIndexesAfterData()
    {
        var ct = TestContext.Current.CancellationToken;
        const int Users = 200_000;
        await using var source = NpgsqlDataSource.Create(await SeedScenario.CreateSourceAsync(
            (await clusters.GetAsync(13)).ConnectionString(), "measure_copy_src", "digoal_01", "pw1", Users, ct));
        await using var target = NpgsqlDataSource.Create(await SeedScenario.CreateTargetAsync(
            (await clusters.GetAsync(18)).ConnectionString(), "measure_copy_t", "digoal_01", "pw1", allTables: false, ct));
        await ExecuteAsync(target, """
            CREATE INDEX ui_email ON digoal_01.user_info (email, userid);
            CREATE INDEX ui_crt ON digoal_01.user_info (crt_time);
            """);
        var rule = await TableRuleValidator.ValidateAsync(source, target, new TableRuleRequest(new TableName("digoal_01", "user_info")), ct);
        var store = new TargetStateStore(target, "m");
        await store.InstallAsync(ct);
        const string Columns = "userid, engname, cnname, occupation, birthday, signname, email, qq, crt_time, mod_time";

        async Task<TimeSpan> PipeAsync()
        {
            var clock = Stopwatch.StartNew();
            await using var from = await source.OpenConnectionAsync(ct);
            await using var to = await target.OpenConnectionAsync(ct);
            await using var transaction = await to.BeginTransactionAsync(ct);
            await using (var truncate = new NpgsqlCommand("TRUNCATE digoal_01.user_info", to, transaction))
            {
                await truncate.ExecuteNonQueryAsync(ct);
            }
            await using (var reader = await from.BeginRawBinaryCopyAsync($"COPY (SELECT {Columns} FROM ONLY digoal_01.user_info) TO STDOUT (FORMAT binary)", ct))
            await using (var writer = await to.BeginRawBinaryCopyAsync($"COPY digoal_01.user_info ({Columns}) FROM STDIN (FORMAT binary)", ct))
            {
                await reader.CopyToAsync(writer, ct);
            }
            await transaction.CommitAsync(ct);
            return clock.Elapsed;
        }

        async Task<TimeSpan> FerryAsync(long indexesAfterAbove)
        {
            var options = new CopyOptions { BuildIndexesAfterDataAbove = indexesAfterAbove };
            return (await new TableCopy(source, target, store, new BulkHandler(), options).CopyAsync(rule, null, ct)).Duration;
        }

        await PipeAsync(); // warm both caches
        var pipe = await PipeAsync();
        var indexesBefore = await FerryAsync(long.MaxValue);
        var indexesAfter = await FerryAsync(0);
        var pipeAgain = await PipeAsync();
        output.WriteLine($"pipe {pipe.TotalSeconds:F2} s / {pipeAgain.TotalSeconds:F2} s; Ferry, indexes kept {indexesBefore.TotalSeconds:F2} s " +
            $"({indexesBefore / pipe:F2}x pipe); Ferry, indexes built after {indexesAfter.TotalSeconds:F2} s ({indexesAfter / pipe:F2}x pipe)");
        await using var count = target.CreateCommand("SELECT count(*) FROM digoal_01.user_info");
        Assert.Equal((long)Users, await count.ExecuteScalarAsync(ct));
    }

    [Fact(Explicit = true)]
    public async Task CatchUp_OfASeedWorkloadBacklog_ThroughTheQueue()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var source = NpgsqlDataSource.Create(await SeedScenario.CreateSourceAsync(
            (await clusters.GetAsync(13)).ConnectionString(), "measure_catchup_src", "digoal_01", "pw1", 20_000, ct));
        await using var target = NpgsqlDataSource.Create(await SeedScenario.CreateTargetAsync(
            (await clusters.GetAsync(18)).ConnectionString(), "measure_catchup_t", "digoal_01", "pw1", allTables: false, ct));
        await Ferry.Engine.Queue.QueueSchema.InstallAsync(source, ct);
        var admin = new Ferry.Engine.Queue.QueueAdmin(source);
        await admin.CreateQueueAsync("q", ct);
        var rules = new List<TableRule>();
        foreach (var table in SeedScenario.KeyedTables)
        {
            rules.Add(await TableRuleValidator.ValidateAsync(source, target, new TableRuleRequest(new TableName("digoal_01", table)), ct));
            await admin.EnableCaptureAsync("q", "digoal_01." + table, ct);
        }
        var consumer = new Ferry.Engine.Consumers.QueueConsumer(source, "q", "c");
        await consumer.RegisterAsync(ct);
        var store = new TargetStateStore(target, "c");
        var copy = new TableCopy(source, target, store, new BulkHandler(), new CopyOptions());
        foreach (var rule in rules)
        {
            await copy.CopyAsync(rule, null, ct);
        }

        // The backlog: 150,000 logins and logouts (each one update of user_session) in ticks of about 10,000 events.
        for (var chunk = 0; chunk < 15; chunk++)
        {
            await ExecuteAsync(source,
                $"SELECT CASE WHEN g % 2 = 0 THEN (digoal_01.f_user_login(g % 20000 + 1)).o_userid ELSE digoal_01.f_user_logout(g % 20000 + 1) END " +
                $"FROM generate_series({chunk * 10_000}, {chunk * 10_000 + 9_999}) g");
            await admin.TickAsync("q", ct);
        }
        // Reading alone (the first batch, not finished, so the loop gets it again).
        var feed = new QueueBatchSource(consumer, source);
        var readClock = Stopwatch.StartNew();
        var first = (await feed.NextBatchAsync(ct))!;
        var read = 0;
        await foreach (var e in feed.ReadEventsAsync(first, new Dictionary<string, string>(), ct))
        {
            read++;
        }
        readClock.Stop();
        output.WriteLine($"reading one batch of {read} events from the queue: {readClock.Elapsed.TotalSeconds:F2} s, {read / readClock.Elapsed.TotalSeconds:F0} events/s");
        var loop = new ApplyLoop(new QueueBatchSource(consumer, source), target, store, rules, new BulkHandler(), new ApplyLoopOptions(),
            TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<ApplyLoop>.Instance);
        var clock = Stopwatch.StartNew();
        var batches = 0;
        while (await loop.RunOnceAsync(ct) != ApplyOutcome.Idle)
        {
            batches++;
        }
        clock.Stop();
        output.WriteLine($"catch-up: 150000 events in {batches} batches, {clock.Elapsed.TotalSeconds:F2} s, {150_000 / clock.Elapsed.TotalSeconds:F0} events/s");
        await using var a = await source.OpenConnectionAsync(ct);
        await using var b = await target.OpenConnectionAsync(ct);
        const string Columns = "userid, logintime, login_count, logouttime, online_interval";
        Assert.Equal(await TestCapture.HashAsync(a, "digoal_01.user_session", Columns, "userid"),
            await TestCapture.HashAsync(b, "digoal_01.user_session", Columns, "userid"));
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
