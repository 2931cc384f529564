using Ferry.Engine.Control;
using Ferry.Engine.Demo;
using Ferry.Engine.Errors;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Errors;
using Ferry.Engine.Replication.Sets;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Replication.Subscriptions;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Target;
using Ferry.Engine.Tests.Apply;
using Ferry.Engine.Tests.Replication;
using Ferry.Engine.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Ferry.Engine.Tests.Errors;

/// <summary>
/// The error history under a running workload (docs/decisions/ADR-017-error-history.md): a constraint planted on the target
/// that one source row violates stops that table alone with the error kept (SQLSTATE, event, key) while the other goes on;
/// a retry without a fix counts in the same group; a skip leaves out exactly that event (its batch neighbours applied),
/// audited with its reason, the table marked as needing a compare; a fix and a retry end a group as passed.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ErrorHistoryTests(ClusterFixture clusters)
{
    private const string InfoColumns = "userid, engname, cnname, occupation, birthday, signname, email, qq, crt_time, mod_time";
    private const string SessionColumns = "userid, logintime, login_count, logouttime, online_interval";

    private static readonly System.Security.Claims.ClaimsPrincipal Operator = ReplicationTestEnvironment.User("olga", FerryRoles.Operator);
    private static readonly System.Security.Claims.ClaimsPrincipal Viewer = ReplicationTestEnvironment.User("vera", FerryRoles.Viewer);

    [Fact]
    public async Task PlantedConstraint_StopsTheTableWithItsEvent_SkipLeavesOutOnlyThatEvent_AndFixPlusRetryPasses()
    {
        var ct = TestContext.Current.CancellationToken;
        var cluster = (await clusters.GetAsync(15)).ConnectionString();
        var sourceCs = await SeedScenario.CreateSourceAsync(cluster, "errors_src", "digoal_01", "pw1", 100, ct);
        var targetCs = await SeedScenario.CreateTargetAsync(cluster, "errors_t", "digoal_01", "pw1", allTables: true, ct);
        await using var engine = await ReplicationTestEnvironment.StartAsync(await clusters.CreateDatabaseAsync(15, "errors_control"), ct);
        await using var source = NpgsqlDataSource.Create(sourceCs);
        await using var target = NpgsqlDataSource.Create(targetCs);
        var tables = engine.Services.GetRequiredService<TableRuleService>();
        var status = engine.Services.GetRequiredService<ReplicationStatusQuery>();
        var history = engine.Services.GetRequiredService<ErrorHistory>();
        var actions = engine.Services.GetRequiredService<ErrorActions>();
        var subscriptions = engine.Services.GetRequiredService<SubscriptionService>();
        var set = await engine.Services.GetRequiredService<SetService>()
            .CreateSetAsync(Operator, "errors", await engine.AddNodeAsync("source", sourceCs, ct), ct);
        var subscriptionId = (await subscriptions.SubscribeAsync(Operator, set.Id, await engine.AddNodeAsync("target", targetCs, ct), ct)).Id;
        var info = await tables.AddTableAsync(Operator, subscriptionId, new AddTableRequest("digoal_01.user_info"), ct);
        await tables.AddTableAsync(Operator, subscriptionId, new AddTableRequest("digoal_01.user_session"), ct);
        TableInfo Info(SubscriptionStatus s) => s.Tables.Single(t => t.Id == info.Id);
        await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Operator, subscriptionId, ct),
            s => s.Tables.Count == 2 && s.Tables.All(t => t.State == nameof(TableState.Ok)), TimeSpan.FromSeconds(60),
            s => string.Join(", ", s.Tables.Select(t => t.State)));

        using var stopWorkload = new CancellationTokenSource();
        var workload = Task.Run(() => SeedScenario.WorkloadAsync(source, "digoal_01", stopWorkload.Token, pause: TimeSpan.FromMilliseconds(10)), ct);
        try
        {
            // The planted constraint; one source transaction with the violating row between two good ones.
            await ExecuteAsync(target, "ALTER TABLE digoal_01.user_info ADD CONSTRAINT no_planted CHECK (engname <> 'bad')");
            await ExecuteAsync(source, """
                BEGIN;
                INSERT INTO digoal_01.user_info (userid, engname) VALUES (4999, 'good');
                INSERT INTO digoal_01.user_info (userid, engname) VALUES (5000, 'bad');
                INSERT INTO digoal_01.user_info (userid, engname) VALUES (5001, 'good');
                COMMIT;
                """);
            await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Operator, subscriptionId, ct),
                s => Info(s).State == nameof(TableState.Error), TimeSpan.FromSeconds(60), s => Info(s).State);
            var group = await Eventually.WaitAsync(() => history.GroupsAsync(Operator, subscriptionId, info.Id, openOnly: true, 10, ct),
                g => g.Count == 1, TimeSpan.FromSeconds(10), g => g.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal("23514", group[0].SqlState);
            Assert.Equal(nameof(ErrorStatus.Failing), group[0].Status);
            Assert.Equal("digoal_01.user_info", group[0].Table);
            Assert.Contains("no_planted", group[0].Cause, StringComparison.Ordinal);
            var occurrence = Assert.Single(await history.OccurrencesAsync(Operator, group[0].Id, ct));
            Assert.Equal("I", occurrence.Operation);
            Assert.Equal("{\"userid\":\"5000\"}", occurrence.Key);
            Assert.Contains("\"engname\":\"bad\"", occurrence.Row, StringComparison.Ordinal);
            Assert.Equal(nameof(Ferry.Engine.Apply.ApplyErrorEnding.TableStopped), occurrence.Ending);
            Assert.NotNull(occurrence.TickId);
            // A Viewer sees the error, never the row.
            var seen = Assert.Single(await history.OccurrencesAsync(Viewer, group[0].Id, ct));
            Assert.Null(seen.Key);
            Assert.Null(seen.Row);
            Assert.Null(seen.Detail);
            Assert.DoesNotContain("5000", seen.Message, StringComparison.Ordinal);
            Assert.Contains("23514", occurrence.Message, StringComparison.Ordinal);

            // The other table goes on meanwhile.
            await WaitEqualAsync(source, target, "digoal_01.user_session", SessionColumns, null);

            // A retry without a fix fails again: the same group counts it.
            await actions.RetryAsync(Operator, group[0].Id, ct);
            var counted = await Eventually.WaitAsync(() => history.GroupAsync(Operator, group[0].Id, ct),
                g => g.Count == 2 && g.Status == nameof(ErrorStatus.Failing), TimeSpan.FromSeconds(60), g => $"{g.Count} {g.Status}");
            Assert.Null(counted.ClosedAt);

            // The skip without a reason is refused; with one, only event 5000 is missing on the target.
            await Assert.ThrowsAsync<ReplicationRefusedException>(() => actions.SkipAsync(Operator, group[0].Id, " ", ct));
            await Assert.ThrowsAsync<AccessDeniedException>(() => actions.SkipAsync(Viewer, group[0].Id, "no", ct));
            var skipped = await actions.SkipAsync(Operator, group[0].Id, "row 5000 is test data", ct);
            Assert.Equal(nameof(ErrorStatus.Skipped), skipped.Status);
            await WaitEqualAsync(source, target, "digoal_01.user_info", InfoColumns, "userid <> 5000");
            Assert.Equal(0L, await CountAsync(target, "SELECT count(*) FROM digoal_01.user_info WHERE userid = 5000"));
            Assert.Equal(2L, await CountAsync(target, "SELECT count(*) FROM digoal_01.user_info WHERE userid IN (4999, 5001)"));
            var now = await Eventually.WaitAsync(() => status.GetSubscriptionAsync(Operator, subscriptionId, ct),
                s => Info(s).State == nameof(TableState.Ok), TimeSpan.FromSeconds(60), s => Info(s).State);
            Assert.True(Info(now).NeedsCompare);
            await using (var context = await engine.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>().CreateDbContextAsync(ct))
            {
                var audit = await context.AuditEntries.SingleAsync(a => a.Action == "skip-event", ct);
                Assert.Equal("olga", audit.UserName);
                Assert.Contains("row 5000 is test data", audit.After!.RootElement.GetRawText(), StringComparison.Ordinal);
            }

            // Another violation, then the fix and a retry: the group ends as passed, the row arrives.
            await ExecuteAsync(source, "INSERT INTO digoal_01.user_info (userid, engname) VALUES (6000, 'bad')");
            var second = await Eventually.WaitAsync(() => history.GroupsAsync(Operator, subscriptionId, info.Id, openOnly: true, 10, ct),
                g => g.Count == 1 && g[0].Status == nameof(ErrorStatus.Failing), TimeSpan.FromSeconds(60),
                g => string.Join(", ", g.Select(x => x.Status)));
            Assert.NotEqual(group[0].Id, second[0].Id);
            await ExecuteAsync(target, "ALTER TABLE digoal_01.user_info DROP CONSTRAINT no_planted");
            await actions.RetryAsync(Operator, second[0].Id, ct);
            var passed = await Eventually.WaitAsync(() => history.GroupAsync(Operator, second[0].Id, ct),
                g => g.Status == nameof(ErrorStatus.Passed), TimeSpan.FromSeconds(60), g => g.Status);
            Assert.Equal("retried and passed", passed.Resolution);
            Assert.NotNull(passed.ClosedAt);
            Assert.Equal(1L, await CountAsync(target, "SELECT count(*) FROM digoal_01.user_info WHERE userid = 6000"));
        }
        finally
        {
            await stopWorkload.CancelAsync();
            await workload;
        }
        await WaitEqualAsync(source, target, "digoal_01.user_session", SessionColumns, null);
        await WaitEqualAsync(source, target, "digoal_01.user_info", InfoColumns, "userid <> 5000");
    }

    private static async Task WaitEqualAsync(NpgsqlDataSource source, NpgsqlDataSource target, string table, string columns, string? where)
    {
        var expected = await HashAsync(source, table, columns, where);
        await Eventually.WaitAsync(() => HashAsync(target, table, columns, where), h => h == expected, TimeSpan.FromSeconds(90),
            h => $"{table}: expected {expected}, target {h}");
    }

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private static async Task<long> CountAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private static async Task<string> HashAsync(NpgsqlDataSource data, string table, string columns, string? where)
    {
        await using var connection = await data.OpenConnectionAsync(TestContext.Current.CancellationToken);
        return await TestCapture.HashAsync(connection, table, columns, "userid", where);
    }
}
