using Ferry.Engine.Queue;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Ddl;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Ferry.Engine.Tests.Replication.ServiceScenario;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// DDL through the queue (issue 11 item 2, docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md): a script runs on the
/// root and on every subscriber at its point of the stream, in the batch's transaction, with the rule's renames; a subscriber
/// on which it fails stops in error at that event with nothing of the batch applied, and is resumed after a fix or skips it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DdlTests(ClusterFixture clusters)
{
    private const string Orders = "app.orders";

    private const string SourceTables = """
        CREATE SCHEMA app;
        CREATE TABLE app.orders (id int PRIMARY KEY, amount numeric(10,2), note text);
        INSERT INTO app.orders SELECT g, g * 1.5, 'order ' || g FROM generate_series(1, 20) g;
        """;

    // The target keeps the orders under another name: the script's placeholder resolves to it.
    private const string TargetTables = """
        CREATE SCHEMA app;
        CREATE TABLE app.orders_copy (id int PRIMARY KEY, amount numeric(10,2), note text);
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<int, int> Pairs => new() { { 13, 18 }, { 18, 15 } };

    [Theory]
    [MemberData(nameof(Pairs))]
    public async Task Script_RunsOnRootAndTarget_AtItsPointOfTheStream_UnderLoad_WithTheRename(int sourceMajor, int targetMajor)
    {
        await using var scenario = await StartAsync("ddl_load", sourceMajor, targetMajor);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var written = 0;
        // Rows keep coming before, during and after the script; they name only columns every shape has.
        var load = Task.Run(async () =>
        {
            var id = 1000;
            while (!stop.IsCancellationRequested)
            {
                await ExecuteAsync(scenario.Source, $"INSERT INTO app.orders (id, amount) VALUES ({id}, {id}); UPDATE app.orders SET amount = amount + 1 WHERE id = {id - 1}");
                id++;
                written++;
            }
        }, Ct);
        await Eventually.WaitAsync(() => Task.FromResult(written), n => n >= 20, TimeSpan.FromSeconds(30), n => $"{n} rows written");

        var ddl = Ddl(scenario);
        var submitted = await ddl.SubmitAsync(Operator, scenario.SetId, """
            -- add a column, fill it, drop another one
            ALTER TABLE {{table:app.orders}} ADD COLUMN discount int;
            UPDATE {{table:app.orders}} SET discount = id % 7 WHERE id <= 20;
            ALTER TABLE {{table:app.orders}} DROP COLUMN note;
            """, Ct);
        Assert.Equal(3, submitted.Statements);
        // New rows use the new column at once.
        await ExecuteAsync(scenario.Source, "INSERT INTO app.orders (id, amount, discount) VALUES (500, 5, 3)");
        await Eventually.WaitAsync(() => Task.FromResult(written), n => n >= 60, TimeSpan.FromSeconds(60), n => $"{n} rows written");
        await stop.CancelAsync();
        await load.ContinueWith(_ => { }, TaskScheduler.Default);

        await WaitEqualAsync(scenario, scenario.Target, "id, amount, discount");
        Assert.Equal(0L, await ScalarAsync<long>(scenario.Target,
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'app.orders_copy'::regclass AND attname = 'note' AND NOT attisdropped"));
        Assert.Equal(3, await ScalarAsync<int>(scenario.Target, "SELECT discount FROM app.orders_copy WHERE id = 500"));
        var table = await scenario.WaitOkAsync(Orders);
        Assert.Null(table.LastError);
        Assert.Equal("Active", (await StatusAsync(scenario)).State);
    }

    [Fact]
    public async Task Script_ThatCannotBeCarried_IsRefused_AndChangesNothing()
    {
        await using var scenario = await StartAsync("ddl_refuse", 15, 15);
        var ddl = Ddl(scenario);

        var control = await Assert.ThrowsAsync<ReplicationRefusedException>(() => ddl.SubmitAsync(Operator, scenario.SetId,
            "ALTER TABLE app.orders ADD COLUMN x int; COMMIT; VACUUM app.orders", Ct));
        Assert.Contains("statement 2 (COMMIT) is transaction control", control.Message, StringComparison.Ordinal);
        Assert.Contains("statement 3 (VACUUM app.orders) cannot run inside a transaction", control.Message, StringComparison.Ordinal);

        var failing = await Assert.ThrowsAsync<ReplicationRefusedException>(() => ddl.SubmitAsync(Operator, scenario.SetId,
            "ALTER TABLE {{table:app.orders}} ADD COLUMN x int; ALTER TABLE {{table:app.orders}} ADD COLUMN x int", Ct));
        Assert.Contains("Statement 2 of the script failed on the root", failing.Message, StringComparison.Ordinal);
        Assert.Contains("\"x\"", failing.Message, StringComparison.Ordinal);

        var missing = await Assert.ThrowsAsync<ReplicationRefusedException>(() => ddl.SubmitAsync(Operator, scenario.SetId,
            "ALTER TABLE {{table:app.nothing}} ADD COLUMN x int", Ct));
        Assert.Contains("no table \"app\".\"nothing\"", missing.Message, StringComparison.Ordinal);

        // Nothing ran on the root, nothing was queued.
        Assert.Equal(0L, await ScalarAsync<long>(scenario.Source,
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'app.orders'::regclass AND attname = 'x'"));
        Assert.Equal(0L, await ScalarAsync<long>(scenario.Source, "SELECT count(*) FROM ferry.ddl_script"));
    }

    [Fact]
    public async Task Script_FailingOnOneSubscriber_StopsOnlyIt_WithNothingHalfApplied_ThenRetriedAfterTheFix_OrSkipped()
    {
        await using var scenario = await StartAsync("ddl_fail", 13, 18);
        var second = await SubscribeSecondAsync(scenario, "ddl_fail", 15);
        // The second target already has an index of the name the script creates: the script fails there at statement 2.
        await ExecuteAsync(second.Target, "CREATE INDEX orders_amount_idx ON app.orders_copy (id)");
        var ddl = Ddl(scenario);

        // One batch: a row before the script, the script, a row after it.
        await PauseTickerAsync(scenario, "ddl_fail", true);
        await ExecuteAsync(scenario.Source, "UPDATE app.orders SET amount = 99 WHERE id = 1");
        await ddl.SubmitAsync(Operator, scenario.SetId, """
            ALTER TABLE {{table:app.orders}} ADD COLUMN discount int;
            CREATE INDEX orders_amount_idx ON {{table:app.orders}} (amount);
            """, Ct);
        await ExecuteAsync(scenario.Source, "UPDATE app.orders SET discount = 5 WHERE id = 2");
        await PauseTickerAsync(scenario, "ddl_fail", false);

        var stopped = await WaitSubscriptionAsync(scenario, second.SubscriptionId, s => s.State == "Error");
        Assert.Contains("statement 2 of 2", stopped.LastError, StringComparison.Ordinal);
        Assert.Contains("orders_amount_idx", stopped.LastError, StringComparison.Ordinal);
        // The first subscriber took the script and the rows after it.
        await WaitEqualAsync(scenario, scenario.Target, "id, amount, note, discount");
        // Nothing half-applied on the second: no column from statement 1, and no row of the batch (the update before it).
        Assert.Equal(0L, await ScalarAsync<long>(second.Target,
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'app.orders_copy'::regclass AND attname = 'discount'"));
        Assert.Equal(1.50m, await ScalarAsync<decimal>(second.Target, "SELECT amount FROM app.orders_copy WHERE id = 1"));

        // The fix, then a resume: the script runs again there and the rows arrive.
        await ExecuteAsync(second.Target, "DROP INDEX app.orders_amount_idx");
        await scenario.Engine.Services.GetRequiredService<SubscriptionService>().ResumeAsync(Operator, second.SubscriptionId, Ct);
        await WaitEqualAsync(scenario, second.Target, "id, amount, note, discount");

        // A second script fails there again; this time the operator skips it on that subscriber only.
        await ExecuteAsync(second.Target, "CREATE TABLE app.audit_log (id int)");
        await ddl.SubmitAsync(Operator, scenario.SetId, "CREATE TABLE app.audit_log (id int PRIMARY KEY, what text)", Ct);
        await ExecuteAsync(scenario.Source, "UPDATE app.orders SET discount = 6 WHERE id = 3");
        var again = await WaitSubscriptionAsync(scenario, second.SubscriptionId, s => s.State == "Error");
        Assert.Contains("audit_log", again.LastError, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ReplicationRefusedException>(() => ddl.SkipAsync(Operator, scenario.SubscriptionId, Ct));
        await ddl.SkipAsync(Operator, second.SubscriptionId, Ct);
        await WaitEqualAsync(scenario, second.Target, "id, amount, note, discount");
        Assert.Equal("Active", (await WaitSubscriptionAsync(scenario, second.SubscriptionId, s => s.State == "Active")).State);
        Assert.Equal(2L, await ScalarAsync<long>(scenario.Target,
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'app.audit_log'::regclass AND attnum > 0"));
        Assert.Equal(1L, await ScalarAsync<long>(second.Target,
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'app.audit_log'::regclass AND attnum > 0"));
        await using var control = await scenario.Engine.Services
            .GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Control.ControlDbContext>>().CreateDbContextAsync(Ct);
        var audits = control.AuditEntries.Where(a => a.Action == "ddl" || a.Action == "skip-ddl").ToList();
        Assert.Equal(2, audits.Count(a => a.Action == "ddl"));
        Assert.Contains(audits, a => a.Action == "skip-ddl" && a.After!.RootElement.GetRawText().Contains("audit_log", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CrashInTheMiddleOfTheScript_LeavesNothingHalfApplied_AndTheLoopApplies_ItOnce()
    {
        await using var scenario = await StartAsync("ddl_crash", 18, 13);
        var ddl = Ddl(scenario);
        await PauseTickerAsync(scenario, "ddl_crash", true);
        await ExecuteAsync(scenario.Source, "UPDATE app.orders SET amount = 42 WHERE id = 1");
        await ddl.SubmitAsync(Operator, scenario.SetId, """
            ALTER TABLE {{table:app.orders}} ADD COLUMN discount int DEFAULT 1;
            SELECT pg_sleep(3);
            UPDATE {{table:app.orders}} SET discount = discount + 1;
            """, Ct);
        await PauseTickerAsync(scenario, "ddl_crash", false);

        // The apply connection dies while it sleeps in the script, the column already added in its transaction.
        var killed = await Eventually.WaitAsync(() => ScalarAsync<long>(scenario.Target, """
                SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'SELECT pg_sleep(3)%'
                """), n => n > 0, TimeSpan.FromSeconds(60), n => $"{n} apply sessions killed");
        Assert.Equal(1L, killed);
        Assert.Equal(0L, await ScalarAsync<long>(scenario.Target,
            "SELECT count(*) FROM pg_attribute WHERE attrelid = 'app.orders_copy'::regclass AND attname = 'discount'"));
        Assert.Equal(1.50m, await ScalarAsync<decimal>(scenario.Target, "SELECT amount FROM app.orders_copy WHERE id = 1"));

        // The loop retries the batch by itself: the script runs once (discount 2 everywhere, as on the root).
        await WaitEqualAsync(scenario, scenario.Target, "id, amount, note, discount");
        Assert.Equal(20L, await ScalarAsync<long>(scenario.Target, "SELECT count(*) FROM app.orders_copy WHERE discount = 2"));
        Assert.Equal("Active", (await StatusAsync(scenario)).State);
    }

    /// <summary>Pauses the set's ticker (what is written meanwhile lands in one batch), or ends the pause with a tick.</summary>
    private static async Task PauseTickerAsync(ServiceScenario scenario, string queue, bool paused)
    {
        var admin = new QueueAdmin(scenario.Source);
        await admin.ConfigureAsync(queue, new QueueSettings(TickerPaused: paused), Ct);
        if (!paused)
        {
            await admin.TickAsync(queue, Ct);
        }
    }

    private static DdlService Ddl(ServiceScenario scenario) => scenario.Engine.Services.GetRequiredService<DdlService>();

    private static Task<SubscriptionStatus> StatusAsync(ServiceScenario scenario, int? subscriptionId = null) =>
        scenario.Engine.Services.GetRequiredService<ReplicationStatusQuery>()
            .GetSubscriptionAsync(Operator, subscriptionId ?? scenario.SubscriptionId, Ct);

    private static Task<SubscriptionStatus> WaitSubscriptionAsync(
        ServiceScenario scenario, int subscriptionId, Func<SubscriptionStatus, bool> done) =>
        Eventually.WaitAsync(() => StatusAsync(scenario, subscriptionId), done, TimeSpan.FromSeconds(90),
            s => $"subscription {s.Id} is {s.State}: {s.LastError}");

    /// <summary>Waits until the target's orders equal the source's; a column the target lacks yet counts as not equal.</summary>
    private static async Task WaitEqualAsync(ServiceScenario scenario, NpgsqlDataSource target, string columns)
    {
        var expected = await HashAsync(scenario.Source, Orders, columns);
        await Eventually.WaitAsync(async () =>
        {
            try
            {
                return await HashAsync(target, "app.orders_copy", columns);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedColumn)
            {
                return e.MessageText;
            }
        }, h => h == expected, TimeSpan.FromSeconds(90),
            h => $"the target's rows ({h}) never equalled the source's ({expected}); subscriptions: "
                + string.Join("; ", scenario.Engine.Services.GetRequiredService<ReplicationStatusQuery>()
                    .GetStatusAsync(Operator, Ct).GetAwaiter().GetResult().Select(s => $"{s.Id} {s.State} {s.LastError} {string.Join(",", s.Tables.Select(t => t.State + " " + t.LastError))}")));
    }

    private async Task<ServiceScenario> StartAsync(string name, int sourceMajor, int targetMajor)
    {
        var scenario = await ServiceScenario.StartAsync(clusters, name, sourceMajor, targetMajor, SourceTables, TargetTables);
        await scenario.AddTableAsync(Orders, "app.orders_copy");
        await scenario.WaitOkAsync(Orders);
        await scenario.WaitEqualAsync(Orders, "app.orders_copy", "id, amount, note");
        return scenario;
    }

    /// <summary>A second target of the same set, with its own copy of the orders under the same rename.</summary>
    private async Task<(NpgsqlDataSource Target, int SubscriptionId)> SubscribeSecondAsync(ServiceScenario scenario, string name, int major)
    {
        var connection = await clusters.CreateDatabaseAsync(major, $"{name}_second{major}");
        var target = NpgsqlDataSource.Create(connection);
        await ExecuteAsync(target, TargetTables);
        var subscription = await scenario.Engine.Services.GetRequiredService<SubscriptionService>()
            .SubscribeAsync(Operator, scenario.SetId, await scenario.Engine.AddNodeAsync("second", connection, Ct), Ct);
        await scenario.Engine.Services.GetRequiredService<TableRuleService>()
            .AddTableAsync(Operator, subscription.Id, new AddTableRequest(Orders, "app.orders_copy"), Ct);
        await WaitEqualAsync(scenario, target, "id, amount, note");
        return (target, subscription.Id);
    }
}
