using Ferry.Engine.Apply.Handlers;
using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Internal;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Apply;
using Ferry.Engine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Ferry.Engine.Tests.Replication;

/// <summary>The apply loop as the service layer runs it: one runner per subscription, pause and resume, a permanent error.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SubscriptionRunnerTests(ClusterFixture clusters)
{
    private const string Columns = "userid, logintime, login_count, logouttime, online_interval";

    private static readonly System.Security.Claims.ClaimsPrincipal Operator = ReplicationTestEnvironment.User("olga", FerryRoles.Operator);

    [Fact]
    public async Task PermanentError_StopsTheTableWithItsMessage_TheSubscriptionGoesOn_AndRetryAfterTheFixConverges()
    {
        var ct = TestContext.Current.CancellationToken;
        var (engine, source, target, subscriptionId) = await StartAsync("err", ct);
        await using var _ = engine;
        await using var __ = source;
        await using var ___ = target;
        var tables = engine.Services.GetRequiredService<TableRuleService>();
        var status = engine.Services.GetRequiredService<ReplicationStatusQuery>();

        await ExecuteAsync(target, "ALTER TABLE digoal_01.user_session ADD CONSTRAINT no_logins CHECK (login_count < 0) NOT VALID");
        await ExecuteAsync(source, "SELECT digoal_01.f_user_login(42)");
        var stopped = await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Operator, subscriptionId, ct),
            s => s.Tables.Single().State == nameof(TableState.Error), TimeSpan.FromSeconds(30), s => $"{s.State} {s.Tables.Single().State}");
        Assert.Contains("no_logins", stopped.Tables.Single().LastError, StringComparison.Ordinal);
        Assert.Equal(nameof(SubscriptionState.Active), stopped.State);

        await ExecuteAsync(target, "ALTER TABLE digoal_01.user_session DROP CONSTRAINT no_logins");
        await tables.RetryTableAsync(Operator, subscriptionId, stopped.Tables.Single().Id, ct);
        await ExecuteAsync(source, "SELECT digoal_01.f_user_login(43)");
        var expected = await HashAsync(source);
        await Eventually.WaitAsync(() => HashAsync(target), h => h == expected, TimeSpan.FromSeconds(60),
            h => $"expected {expected}, target {h}");
        Assert.Equal(nameof(SubscriptionState.Active), (await status.GetSubscriptionAsync(Operator, subscriptionId, ct)).State);
    }

    [Fact]
    public async Task Pause_IsHeardByLiveViews_EndsTheLoop_AndResumeCatchesUp()
    {
        var ct = TestContext.Current.CancellationToken;
        var (engine, source, target, subscriptionId) = await StartAsync("pause", ct);
        await using var _ = engine;
        await using var __ = source;
        await using var ___ = target;
        var subscriptions = engine.Services.GetRequiredService<SubscriptionService>();
        var listener = engine.Services.GetServices<IHostedService>().OfType<ReplicationChangeListener>().Single();
        await listener.StartAsync(ct);
        await using (var control = NpgsqlDataSource.Create(engine.ControlConnectionString))
        {
            await Eventually.WaitAsync(async () =>
                {
                    await using var command = control.CreateCommand(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ferry-changes' AND query LIKE 'LISTEN%'");
                    return (long)(await command.ExecuteScalarAsync(ct))!;
                }, n => n == 1, TimeSpan.FromSeconds(10), n => $"{n} listeners");
        }
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var changes = engine.Services.GetRequiredService<ReplicationChanges>().Subscribe(id =>
        {
            if (id == subscriptionId)
            {
                heard.TrySetResult();
            }
        });

        await subscriptions.PauseAsync(Operator, subscriptionId, ct);
        // Live views hear of it (through the control database, as every portal process would).
        await heard.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        // The paused loop ends and gives up its lock (so the supervisor would not see it running).
        await using (var control = NpgsqlDataSource.Create(engine.ControlConnectionString))
        await using (var connection = await control.OpenConnectionAsync(ct))
        {
            await Eventually.WaitAsync(() => LoopLock.IsHeldAsync(connection, LoopLock.ApplyClass, subscriptionId, ct), held => !held,
                TimeSpan.FromSeconds(10), _ => "the paused loop still holds its lock");
        }
        for (var user = 1; user <= 20; user++)
        {
            await ExecuteAsync(source, $"SELECT digoal_01.f_user_logout({user})");
        }
        await subscriptions.ResumeAsync(Operator, subscriptionId, ct);
        var expected = await HashAsync(source);
        await Eventually.WaitAsync(() => HashAsync(target), h => h == expected, TimeSpan.FromSeconds(30),
            h => $"expected {expected}, target {h}");
    }

    [Fact]
    public async Task SecondRunner_OfTheSameSubscription_EndsAtOnce_WhileTheFirstRuns()
    {
        var ct = TestContext.Current.CancellationToken;
        var (engine, source, target, subscriptionId) = await StartAsync("twice", ct);
        await using var _ = engine;
        await using var __ = source;
        await using var ___ = target;

        // The task loop host runs the first runner (started by subscribe); this one must not get the lock.
        var second = engine.Services.GetRequiredService<SubscriptionRunner>().RunAsync(subscriptionId, ct);
        await second.WaitAsync(TimeSpan.FromSeconds(10), ct);
        await ExecuteAsync(source, "SELECT digoal_01.f_user_login(7)");
        var expected = await HashAsync(source);
        await Eventually.WaitAsync(() => HashAsync(target), h => h == expected, TimeSpan.FromSeconds(30),
            h => $"expected {expected}, target {h}");
    }

    [Fact]
    public async Task RunnerThatLostItsLock_Ends_AndTheSupervisorStartsItAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var (engine, source, target, subscriptionId) = await StartAsync("lost", ct);
        await using var _ = engine;
        await using var __ = source;
        await using var ___ = target;
        await using var control = NpgsqlDataSource.Create(engine.ControlConnectionString);
        await using var connection = await control.OpenConnectionAsync(ct);

        // What a dropped connection does to the runner's lock session.
        await using (var kill = new NpgsqlCommand(
            "SELECT pg_terminate_backend(pid) FROM pg_locks "
            + "WHERE locktype = 'advisory' AND classid = $1::int::oid AND objid = $2::int::oid",
            connection))
        {
            kill.Parameters.Add(new NpgsqlParameter { Value = LoopLock.ApplyClass });
            kill.Parameters.Add(new NpgsqlParameter { Value = subscriptionId });
            await kill.ExecuteNonQueryAsync(ct);
        }
        await ExecuteAsync(source, "SELECT digoal_01.f_user_login(11)");
        var supervisor = engine.Services.GetRequiredService<ReplicationSupervisor>();
        var started = await supervisor.StartMissingAsync(ct);
        Assert.Equal(1, started.Applies);
        var expected = await HashAsync(source);
        await Eventually.WaitAsync(() => HashAsync(target), h => h == expected, TimeSpan.FromSeconds(30),
            h => $"expected {expected}, target {h}");
        // Exactly one runner again: the old one ended, the new one holds the lock.
        await Eventually.WaitAsync(() => supervisor.StartMissingAsync(ct), s => s == (0, 0), TimeSpan.FromSeconds(10), s => $"started {s}");
    }

    [Fact]
    public async Task UnknownHandler_StopsThatTableWithAClearError_AndTheRowHandlerAfterAResyncConverges()
    {
        var ct = TestContext.Current.CancellationToken;
        var (engine, source, target, subscriptionId) = await StartAsync("handler", ct);
        await using var _ = engine;
        await using var __ = source;
        await using var ___ = target;
        var service = engine.Services.GetRequiredService<TableRuleService>();
        var status = engine.Services.GetRequiredService<ReplicationStatusQuery>();
        var tableId = (await status.GetSubscriptionAsync(Operator, subscriptionId, ct)).Tables.Single().Id;
        await using var control = NpgsqlDataSource.Create(engine.ControlConnectionString);

        await SetHandlerAsync(control, tableId, "nope");
        var stopped = await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Operator, subscriptionId, ct),
            s => s.Tables.Single().State == nameof(TableState.Error), TimeSpan.FromSeconds(30), s => s.Tables.Single().State);
        Assert.Equal(HandlerRegistry.Unknown("nope"), stopped.Tables.Single().LastError);
        // The target agrees: its events are skipped from now on, so only a resync brings the table back.
        await using (var read = target.CreateCommand("SELECT state || ': ' || error FROM ferry.table_state"))
        {
            Assert.Equal("error: " + HandlerRegistry.Unknown("nope"), await read.ExecuteScalarAsync(ct));
        }

        await SetHandlerAsync(control, tableId, HandlerRegistry.Row);
        await service.ResyncTableAsync(Operator, subscriptionId, tableId, ct);
        await ExecuteAsync(source, "SELECT digoal_01.f_user_login(5)");
        var expected = await HashAsync(source);
        await Eventually.WaitAsync(() => HashAsync(target), h => h == expected, TimeSpan.FromSeconds(30),
            h => $"expected {expected}, target {h}");
        await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Operator, subscriptionId, ct),
            s => s.Tables.Single().State == nameof(TableState.Ok), TimeSpan.FromSeconds(30), s => s.Tables.Single().State);
    }

    /// <summary>A source and a target on 15 with user_session replicated and ok, its loops running.</summary>
    private async Task<(ReplicationTestEnvironment, NpgsqlDataSource, NpgsqlDataSource, int)> StartAsync(string name, CancellationToken ct)
    {
        var cluster = (await clusters.GetAsync(15)).ConnectionString();
        var sourceCs = await SeedScenario.CreateSourceAsync(cluster, $"runner_{name}_src", "digoal_01", "pw1", 100, ct);
        var targetCs = await SeedScenario.CreateTargetAsync(cluster, $"runner_{name}_t", "digoal_01", "pw1", allTables: true, ct);
        var engine = await ReplicationTestEnvironment.StartAsync(await clusters.CreateDatabaseAsync(15, $"runner_{name}_control"), ct);
        var sets = engine.Services.GetRequiredService<SetService>();
        var subscriptions = engine.Services.GetRequiredService<SubscriptionService>();
        var tableRules = engine.Services.GetRequiredService<TableRuleService>();
        var set = await sets.CreateSetAsync(Operator, name, await engine.AddNodeAsync("source", sourceCs, ct), ct);
        var subscription = await subscriptions.SubscribeAsync(Operator, set.Id, await engine.AddNodeAsync("target", targetCs, ct), ct);
        await tableRules.AddTableAsync(Operator, subscription.Id, new AddTableRequest("digoal_01.user_session"), ct);
        var status = engine.Services.GetRequiredService<ReplicationStatusQuery>();
        await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Operator, subscription.Id, ct),
            s => s.Tables.All(t => t.State == nameof(TableState.Ok)), TimeSpan.FromSeconds(30),
            s => string.Join(", ", s.Tables.Select(t => t.State)));
        return (engine, NpgsqlDataSource.Create(sourceCs), NpgsqlDataSource.Create(targetCs), subscription.Id);
    }

    private static async Task SetHandlerAsync(NpgsqlDataSource control, int tableId, string handler)
    {
        await using var command = control.CreateCommand("UPDATE ferry.table_rules SET handler_name = $1 WHERE id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = handler });
        command.Parameters.Add(new NpgsqlParameter { Value = tableId });
        Assert.Equal(1, await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<string> HashAsync(NpgsqlDataSource data)
    {
        await using var connection = await data.OpenConnectionAsync(TestContext.Current.CancellationToken);
        return await TestCapture.HashAsync(connection, "digoal_01.user_session", Columns, "userid");
    }
}
