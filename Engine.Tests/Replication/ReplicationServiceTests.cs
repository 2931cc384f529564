using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Queue;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Sequences;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Schedules;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Apply;
using Ferry.Engine.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static Ferry.Engine.Tests.Support.SeedChecks;

namespace Ferry.Engine.Tests.Replication;

/// <summary>
/// The seed scenario through the service layer, end to end: nodes on 13 (source), 18 (target 1, both keyed tables) and
/// 15 (target 2, schema digoal_02, filter on userid); the keyless log tables refused with the validator's message; the
/// tables added, copied and caught up by the loops (run as the portal runs them, one task per loop) while logins and
/// logouts keep writing; after the workload stops every target table equals the source (after filter and renaming) and
/// the sequences are at least the source's.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ReplicationServiceTests(ClusterFixture clusters)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Operator = ReplicationTestEnvironment.User("olga", FerryRoles.Operator);
    private static readonly System.Security.Claims.ClaimsPrincipal Viewer = ReplicationTestEnvironment.User("victor", FerryRoles.Viewer);

    [Fact]
    public async Task SeedScenario_ConvergesBothTargets_ThroughTheServiceLayer()
    {
        var ct = TestContext.Current.CancellationToken;
        var sourceCs = await SeedScenario.CreateSourceAsync((await clusters.GetAsync(13)).ConnectionString(), "repl_src", "digoal_01",
            "pw1", 2000, ct);
        var target1Cs = await SeedScenario.CreateTargetAsync((await clusters.GetAsync(18)).ConnectionString(), "repl_t1", "digoal_01",
            "pw1", allTables: true, ct);
        var target2Cs = await SeedScenario.CreateTargetAsync((await clusters.GetAsync(15)).ConnectionString(), "repl_t2", "digoal_02",
            "pw2", allTables: false, ct);
        await using var engine = await ReplicationTestEnvironment.StartAsync(
            await clusters.CreateDatabaseAsync(15, "repl_control_seed"), ct);
        var sets = engine.Services.GetRequiredService<SetService>();
        var subscriptions = engine.Services.GetRequiredService<SubscriptionService>();
        var tableRules = engine.Services.GetRequiredService<TableRuleService>();
        var sequenceRules = engine.Services.GetRequiredService<SequenceRuleService>();
        var status = engine.Services.GetRequiredService<ReplicationStatusQuery>();
        var sourceNode = await engine.AddNodeAsync("source", sourceCs, ct);
        var target1Node = await engine.AddNodeAsync("target1", target1Cs, ct);
        var target2Node = await engine.AddNodeAsync("target2", target2Cs, ct);

        var set = await sets.CreateSetAsync(Operator, "seed", sourceNode, ct);
        var sub1 = await subscriptions.SubscribeAsync(Operator, set.Id, target1Node, ct);
        var sub2 = await subscriptions.SubscribeAsync(Operator, set.Id, target2Node, ct);

        foreach (var table in SeedScenario.KeylessTables)
        {
            var refused = await Assert.ThrowsAsync<ReplicationRefusedException>(
                () => tableRules.AddTableAsync(Operator, sub1.Id, new AddTableRequest($"digoal_01.{table}"), ct));
            Assert.Contains("no primary key", refused.Message, StringComparison.Ordinal);
        }
        await using var source = NpgsqlDataSource.Create(sourceCs);
        Assert.Empty(await new QueueAdmin(source).GetCapturedTablesAsync("seed", ct));

        using var stop = new CancellationTokenSource();
        var workload = WorkloadAsync(source, stop.Token);
        foreach (var table in SeedScenario.KeyedTables)
        {
            await tableRules.AddTableAsync(Operator, sub1.Id, new AddTableRequest($"digoal_01.{table}"), ct);
            await tableRules.AddTableAsync(Operator, sub2.Id, new AddTableRequest($"digoal_01.{table}", $"digoal_02.{table}", Filter), ct);
        }
        foreach (var sequence in SeedScenario.Sequences)
        {
            await sequenceRules.AddSequenceAsync(Operator, sub1.Id, $"digoal_01.{sequence}", null, ct);
            await sequenceRules.AddSequenceAsync(Operator, sub2.Id, $"digoal_01.{sequence}", $"digoal_02.{sequence}", ct);
        }

        // Copies and catch-up happen while the workload writes.
        await Eventually.WaitAsync(() => status.GetStatusAsync(Viewer, ct),
            all => all.All(s => s.Tables.Count == 2 && s.Tables.All(t => t.State == nameof(TableState.Ok))),
            TimeSpan.FromSeconds(60), Describe);
        await stop.CancelAsync();
        Assert.True(await workload > 50, "too few workload calls ran");

        await using var target1 = NpgsqlDataSource.Create(target1Cs);
        await using var target2 = NpgsqlDataSource.Create(target2Cs);
        var expected = new[]
        {
            await HashAsync(source, "digoal_01.user_info", UserInfoColumns),
            await HashAsync(source, "digoal_01.user_session", UserSessionColumns),
            await HashAsync(source, "digoal_01.user_info", UserInfoColumns, Filter),
            await HashAsync(source, "digoal_01.user_session", UserSessionColumns, Filter),
        };
        await Eventually.WaitAsync(async () => new[]
            {
                await HashAsync(target1, "digoal_01.user_info", UserInfoColumns),
                await HashAsync(target1, "digoal_01.user_session", UserSessionColumns),
                await HashAsync(target2, "digoal_02.user_info", UserInfoColumns),
                await HashAsync(target2, "digoal_02.user_session", UserSessionColumns),
            }, actual => actual.SequenceEqual(expected), TimeSpan.FromSeconds(30),
            actual => $"expected {string.Join(", ", expected)}; targets have {string.Join(", ", actual)}");

        // Sequences travel with the ticks on queue v7 (docs/decisions/ADR-020-ddl-and-sequences-in-the-stream.md): the minute job
        // leaves this set alone, and the next tick brings every target sequence to the source's value.
        Assert.Equal(0, await engine.Services.GetRequiredService<ReplicationHousekeeping>().SyncSequencesAsync(ct));
        await new Ferry.Engine.Queue.QueueAdmin(source).TickAsync("seed", ct);
        foreach (var sequence in SeedScenario.Sequences)
        {
            var value = await ScalarAsync(source, $"SELECT last_value FROM digoal_01.{sequence}");
            await Eventually.WaitAsync(async () => (await ScalarAsync(target1, $"SELECT last_value FROM digoal_01.{sequence}"),
                    await ScalarAsync(target2, $"SELECT last_value FROM digoal_02.{sequence}")),
                v => v.Item1 >= value && v.Item2 >= value, TimeSpan.FromSeconds(30), v => $"{sequence}: source {value}, targets {v}");
        }
        var final = await status.GetStatusAsync(Viewer, ct);
        Assert.All(final, s =>
        {
            Assert.Equal(nameof(SubscriptionState.Active), s.State);
            Assert.Null(s.QueueError);
            Assert.NotNull(s.LagSeconds);
            Assert.NotNull(s.LastTick);
            Assert.All(s.Tables, t => Assert.True(t.RowsCopied > 0 && t.LastError is null,
                $"{t.Source}: {t.RowsCopied} rows, {t.LastError}"));
        });
        await using var context = await engine.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>().CreateDbContextAsync(ct);
        Assert.Equal(3 + 4 + 4, await context.AuditEntries.CountAsync(a => a.UserName == "olga", ct));
    }

    [Fact]
    public async Task ResyncAndRemove_KeepTheOtherTablesApplying_AndRemoveDropsCapture()
    {
        var ct = TestContext.Current.CancellationToken;
        var sourceCs = await SeedScenario.CreateSourceAsync((await clusters.GetAsync(15)).ConnectionString(), "repl_rs_src", "digoal_01",
            "pw1", 500, ct);
        var targetCs = await SeedScenario.CreateTargetAsync((await clusters.GetAsync(15)).ConnectionString(), "repl_rs_t", "digoal_01",
            "pw1", allTables: true, ct);
        await using var engine = await ReplicationTestEnvironment.StartAsync(await clusters.CreateDatabaseAsync(15, "repl_control_rs"), ct);
        var sets = engine.Services.GetRequiredService<SetService>();
        var subscriptions = engine.Services.GetRequiredService<SubscriptionService>();
        var tableRules = engine.Services.GetRequiredService<TableRuleService>();
        var status = engine.Services.GetRequiredService<ReplicationStatusQuery>();
        var set = await sets.CreateSetAsync(Operator, "rs", await engine.AddNodeAsync("source", sourceCs, ct), ct);
        var sub = await subscriptions.SubscribeAsync(Operator, set.Id, await engine.AddNodeAsync("target", targetCs, ct), ct);
        var info = await tableRules.AddTableAsync(Operator, sub.Id, new AddTableRequest("digoal_01.user_info"), ct);
        var session = await tableRules.AddTableAsync(Operator, sub.Id, new AddTableRequest("digoal_01.user_session"), ct);
        await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Viewer, sub.Id, ct),
            s => s.Tables.All(t => t.State == nameof(TableState.Ok)), TimeSpan.FromSeconds(30), Describe);

        await using var source = NpgsqlDataSource.Create(sourceCs);
        await using var target = NpgsqlDataSource.Create(targetCs);
        // A row the target has and the source does not: only a copy removes it.
        await using (var command = target.CreateCommand("DELETE FROM digoal_01.user_info WHERE userid = 7"))
        {
            await command.ExecuteNonQueryAsync(ct);
        }
        var starts = engine.Loops.ApplyStarts;
        await tableRules.ResyncTableAsync(Operator, sub.Id, info.Id, ct);
        Assert.Equal(starts, engine.Loops.ApplyStarts); // the running loop takes the resync at its next poll
        await Execute(source, "SELECT digoal_01.f_user_login(3)");
        var expected = (await HashAsync(source, "digoal_01.user_info", UserInfoColumns),
            await HashAsync(source, "digoal_01.user_session", UserSessionColumns));
        await Eventually.WaitAsync(async () => (await HashAsync(target, "digoal_01.user_info", UserInfoColumns),
                await HashAsync(target, "digoal_01.user_session", UserSessionColumns)),
            actual => actual == expected, TimeSpan.FromSeconds(30), actual => $"expected {expected}, target has {actual}");
        await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Viewer, sub.Id, ct),
            s => s.Tables.All(t => t.State == nameof(TableState.Ok)), TimeSpan.FromSeconds(30), Describe);

        // A scheduled resync of the whole subscription, run as the schedule: both tables copy again and converge.
        await using (var command = target.CreateCommand("DELETE FROM digoal_01.user_session WHERE userid = 9"))
        {
            await command.ExecuteNonQueryAsync(ct);
        }
        await engine.Services.GetRequiredService<IResyncRunner>().ResyncSubscriptionAsync(sub.Id, "nightly resync", ct);
        await Eventually.WaitAsync(async () => await HashAsync(target, "digoal_01.user_session", UserSessionColumns),
            actual => actual == expected.Item2, TimeSpan.FromSeconds(30), actual => $"expected {expected.Item2}, target has {actual}");
        await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Viewer, sub.Id, ct),
            s => s.Tables.All(t => t.State == nameof(TableState.Ok)), TimeSpan.FromSeconds(30), Describe);

        await tableRules.RemoveTableAsync(Operator, sub.Id, session.Id, ct);
        var captured = await new QueueAdmin(source).GetCapturedTablesAsync("rs", ct);
        Assert.EndsWith("user_info", Assert.Single(captured.Keys), StringComparison.Ordinal);
        var rows = await ScalarAsync(target, "SELECT count(*) FROM digoal_01.user_session");
        Assert.True(rows > 0, "removing a table keeps its target rows");
        var refused = await Assert.ThrowsAsync<ReplicationRefusedException>(() => sets.DropSetAsync(Operator, set.Id, ct));
        Assert.Contains("drop them first", refused.Message, StringComparison.Ordinal);

        await subscriptions.DropSubscriptionAsync(Operator, sub.Id, ct);
        var queue = new QueueAdmin(source);
        Assert.Empty(await queue.GetConsumerLagsAsync("rs", ct));
        Assert.Empty(await queue.GetCapturedTablesAsync("rs", ct));
        Assert.Equal(0, await ScalarAsync(target, "SELECT count(*) FROM ferry.subscription"));
        Assert.True(await ScalarAsync(target, "SELECT count(*) FROM digoal_01.user_info") > 0,
            "dropping a subscription keeps the target rows");
        await sets.DropSetAsync(Operator, set.Id, ct);
        Assert.Equal(0, await ScalarAsync(source, "SELECT count(*) FROM ferry.queue"));
        Assert.Empty(await engine.Services.GetRequiredService<ReplicationStatusQuery>().GetSetsAsync(Viewer, ct));
    }

    [Fact]
    public async Task Viewer_IsRefusedEveryChange_AndNothingChanges()
    {
        var ct = TestContext.Current.CancellationToken;
        var control = await clusters.CreateDatabaseAsync(15, "repl_control_roles");
        await using var engine = await ReplicationTestEnvironment.StartAsync(control, ct);
        var sets = engine.Services.GetRequiredService<SetService>();
        var subscriptions = engine.Services.GetRequiredService<SubscriptionService>();
        var tableRules = engine.Services.GetRequiredService<TableRuleService>();
        var sequenceRules = engine.Services.GetRequiredService<SequenceRuleService>();
        var node = await engine.AddNodeAsync("somewhere", (await clusters.GetAsync(15)).ConnectionString(), ct);

        await Assert.ThrowsAsync<AccessDeniedException>(() => sets.CreateSetAsync(Viewer, "nope", node, ct));
        await Assert.ThrowsAsync<AccessDeniedException>(() => sets.DropSetAsync(Viewer, 1, ct));
        await Assert.ThrowsAsync<AccessDeniedException>(() => subscriptions.SubscribeAsync(Viewer, 1, node, ct));
        await Assert.ThrowsAsync<AccessDeniedException>(() => subscriptions.PauseAsync(Viewer, 1, ct));
        await Assert.ThrowsAsync<AccessDeniedException>(() => subscriptions.ResumeAsync(Viewer, 1, ct));
        await Assert.ThrowsAsync<AccessDeniedException>(() => subscriptions.DropSubscriptionAsync(Viewer, 1, ct));
        await Assert.ThrowsAsync<AccessDeniedException>(() => tableRules.AddTableAsync(Viewer, 1, new AddTableRequest("a.b"), ct));
        await Assert.ThrowsAsync<AccessDeniedException>(() => tableRules.RemoveTableAsync(Viewer, 1, 1, ct));
        await Assert.ThrowsAsync<AccessDeniedException>(() => tableRules.ResyncTableAsync(Viewer, 1, 1, ct));
        await Assert.ThrowsAsync<AccessDeniedException>(() => sequenceRules.AddSequenceAsync(Viewer, 1, "a.b", null, ct));
        Assert.Empty(await engine.Services.GetRequiredService<ReplicationStatusQuery>().GetStatusAsync(Viewer, ct));
        var anonymous = new System.Security.Claims.ClaimsPrincipal();
        var query = engine.Services.GetRequiredService<ReplicationStatusQuery>();
        await Assert.ThrowsAsync<AccessDeniedException>(() => query.GetStatusAsync(anonymous, ct));

        var refused = await Assert.ThrowsAsync<ReplicationRefusedException>(() => sets.CreateSetAsync(Operator, "Bad Name", node, ct));
        Assert.Contains("not a valid set name", refused.Message, StringComparison.Ordinal);
        await using var context = await engine.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>().CreateDbContextAsync(ct);
        Assert.Equal(0, await context.Sets.CountAsync(ct));
        Assert.Equal(0, await context.AuditEntries.CountAsync(ct));
    }

    private static string Describe(IReadOnlyList<SubscriptionStatus> all) => string.Join("; ", all.Select(Describe));

    private static string Describe(SubscriptionStatus s) =>
        $"{s.ConsumerName} {s.State} {s.LastError} [{string.Join(", ", s.Tables.Select(t => $"{t.Source}={t.State} {t.LastError}"))}]";

    private static async Task Execute(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken),
            System.Globalization.CultureInfo.InvariantCulture);
    }
}
