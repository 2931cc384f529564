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
using Npgsql;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// A table rule that stops validating while the subscription runs (here: the source table lost its primary key) stops that
/// table in error on the target, keeps its events, and a retry after the fix replays them: no row is lost.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class BrokenRuleTests(ClusterFixture clusters)
{
    private const string SessionColumns = "userid, logintime, login_count, logouttime, online_interval";
    private const string InfoColumns = "userid, engname, cnname, occupation, birthday, signname, email, qq, crt_time, mod_time";
    private const string SessionFilter = "userid <= 60";

    private static readonly System.Security.Claims.ClaimsPrincipal Operator = ReplicationTestEnvironment.User("olga", FerryRoles.Operator);

    [Fact]
    public async Task SourceTableLosingItsKey_StopsThatTableInErrorOnTheTarget_KeepsItsEvents_AndRetryAfterTheFixLosesNoRow()
    {
        var ct = TestContext.Current.CancellationToken;
        var cluster = (await clusters.GetAsync(15)).ConnectionString();
        var sourceCs = await SeedScenario.CreateSourceAsync(cluster, "broken_src", "digoal_01", "pw1", 100, ct);
        var targetCs = await SeedScenario.CreateTargetAsync(cluster, "broken_t", "digoal_01", "pw1", allTables: true, ct);
        await using var engine = await ReplicationTestEnvironment.StartAsync(await clusters.CreateDatabaseAsync(15, "broken_control"), ct);
        await using var source = NpgsqlDataSource.Create(sourceCs);
        await using var target = NpgsqlDataSource.Create(targetCs);
        var subscriptions = engine.Services.GetRequiredService<SubscriptionService>();
        var tables = engine.Services.GetRequiredService<TableRuleService>();
        var status = engine.Services.GetRequiredService<ReplicationStatusQuery>();
        var set = await engine.Services.GetRequiredService<SetService>()
            .CreateSetAsync(Operator, "broken", await engine.AddNodeAsync("source", sourceCs, ct), ct);
        var subscriptionId = (await subscriptions.SubscribeAsync(Operator, set.Id, await engine.AddNodeAsync("target", targetCs, ct), ct)).Id;
        await tables.AddTableAsync(Operator, subscriptionId, new AddTableRequest("digoal_01.user_info"), ct);
        var session = await tables.AddTableAsync(
            Operator, subscriptionId, new AddTableRequest("digoal_01.user_session", Filter: SessionFilter), ct);
        TableInfo Session(SubscriptionStatus status) => status.Tables.Single(t => t.Id == session.Id);
        await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Operator, subscriptionId, ct),
            s => s.Tables.Count == 2 && s.Tables.All(t => t.State == nameof(TableState.Ok)), TimeSpan.FromSeconds(30),
            s => string.Join(", ", s.Tables.Select(t => t.State)));

        // The rule breaks on the source; the loop finds out when it is built again (here: a pause and a resume).
        await ExecuteAsync(source, "ALTER TABLE digoal_01.user_session DROP CONSTRAINT pk_user_session");
        await subscriptions.PauseAsync(Operator, subscriptionId, ct);
        await using (var control = NpgsqlDataSource.Create(engine.ControlConnectionString))
        await using (var connection = await control.OpenConnectionAsync(ct))
        {
            await Eventually.WaitAsync(() => LoopLock.IsHeldAsync(connection, LoopLock.ApplyClass, subscriptionId, ct), held => !held,
                TimeSpan.FromSeconds(10), _ => "the paused loop still holds its lock");
        }
        await subscriptions.ResumeAsync(Operator, subscriptionId, ct);
        var broken = await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Operator, subscriptionId, ct),
            s => Session(s).State == nameof(TableState.Error), TimeSpan.FromSeconds(30), s => Session(s).State);
        Assert.Contains("unique index", Session(broken).LastError, StringComparison.Ordinal);
        Assert.Equal("error", await ScalarAsync(target, "SELECT state FROM ferry.table_state WHERE source_table = 'digoal_01.user_session'"));
        Assert.Equal(Session(broken).LastError,
            await ScalarAsync(target, "SELECT error FROM ferry.table_state WHERE source_table = 'digoal_01.user_session'"));

        // Writes go on; the other table keeps applying, the broken one stays in error (the mirror does not flip it back).
        for (var user = 1; user <= 100; user += 3)
        {
            await ExecuteAsync(source, $"SELECT digoal_01.f_user_login({user})");
            await ExecuteAsync(source, $"UPDATE digoal_01.user_info SET signname = 'broken {user}' WHERE userid = {user}");
        }
        var expectedInfo = await HashAsync(source, "digoal_01.user_info", InfoColumns);
        await Eventually.WaitAsync(() => HashAsync(target, "digoal_01.user_info", InfoColumns), h => h == expectedInfo,
            TimeSpan.FromSeconds(30), h => $"user_info: expected {expectedInfo}, target {h}");
        Assert.NotEqual(await HashAsync(source, "digoal_01.user_session", SessionColumns, SessionFilter),
            await HashAsync(target, "digoal_01.user_session", SessionColumns));
        Assert.True(await ScalarAsync(target, "SELECT count(*)::text FROM ferry.pending_event WHERE source_table = 'digoal_01.user_session'") is not "0",
            "the broken table's events are kept");
        Assert.Equal(nameof(TableState.Error), Session(await status.GetSubscriptionAsync(Operator, subscriptionId, ct)).State);

        // Retrying before the fix is refused with what is still wrong, and changes nothing.
        var refused = await Assert.ThrowsAsync<ReplicationRefusedException>(
            () => tables.RetryTableAsync(Operator, subscriptionId, session.Id, ct));
        Assert.Contains("unique index", refused.Message, StringComparison.Ordinal);
        Assert.Equal("error", await ScalarAsync(target, "SELECT state FROM ferry.table_state WHERE source_table = 'digoal_01.user_session'"));

        // The fix, more writes, the retry: the kept events replay and the target equals the source.
        await ExecuteAsync(source, "ALTER TABLE digoal_01.user_session ADD CONSTRAINT pk_user_session PRIMARY KEY (userid)");
        await ExecuteAsync(source, "SELECT digoal_01.f_user_logout(4)");
        var retried = await tables.RetryTableAsync(Operator, subscriptionId, session.Id, ct);
        Assert.Null(retried.LastError);
        for (var user = 2; user <= 100; user += 7)
        {
            await ExecuteAsync(source, $"SELECT digoal_01.f_user_logout({user})");
        }
        var expected = await HashAsync(source, "digoal_01.user_session", SessionColumns, SessionFilter);
        // The retry goes through a loop rebuild and a replay; on 2 loaded cores that alone can take tens of seconds.
        await Eventually.WaitAsync(() => HashAsync(target, "digoal_01.user_session", SessionColumns), h => h == expected,
            TimeSpan.FromSeconds(90), h => $"user_session: expected {expected}, target {h}");
        await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Operator, subscriptionId, ct),
            s => Session(s).State == nameof(TableState.Ok), TimeSpan.FromSeconds(30), s => Session(s).State);
        Assert.Equal("0", await ScalarAsync(target, "SELECT count(*)::text FROM ferry.pending_event"));
        Assert.Equal(expectedInfo, await HashAsync(target, "digoal_01.user_info", InfoColumns));
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<string?> ScalarAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        return await command.ExecuteScalarAsync(TestContext.Current.CancellationToken) as string;
    }

    private static async Task<string> HashAsync(NpgsqlDataSource data, string table, string columns, string? where = null)
    {
        await using var connection = await data.OpenConnectionAsync(TestContext.Current.CancellationToken);
        return await TestCapture.HashAsync(connection, table, columns, "userid", where);
    }
}
