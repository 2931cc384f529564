using Ferry.Engine.Control;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Compare;
using Ferry.Engine.Replication.Status;
using Ferry.Engine.Tests.Replication;
using Ferry.Engine.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Engine.Tests.Compare;

/// <summary>Compares through the service layer: roles, refusals, and the report with its differing rows in the control database.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CompareServiceTests(ClusterFixture clusters)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Operator = ReplicationTestEnvironment.User("olga", FerryRoles.Operator);
    private static readonly System.Security.Claims.ClaimsPrincipal Viewer = ReplicationTestEnvironment.User("victor", FerryRoles.Viewer);

    [Fact]
    public async Task CompareTable_StoresTheReportAndItsRows_AndViewersReadButCannotStart()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await CompareScenario.StartAsync(clusters, "cmp_service", ct);
        var service = scenario.Engine.Services.GetRequiredService<CompareService>();
        var equal = await service.CompareTableAsync(Operator, scenario.SubscriptionId, scenario.TableId, ct);
        Assert.Equal(("Done", 1000L, 1000L, false), (equal.State, equal.SourceRows, equal.TargetRows, equal.Differs));

        await CompareScenario.ExecuteAsync(scenario.Target, """
            DELETE FROM digoal_02.user_info WHERE userid = 10;
            UPDATE digoal_02.user_info SET email = NULL WHERE userid = 20;
            """);
        await Assert.ThrowsAsync<AccessDeniedException>(() => service.StartCompareAsync(Viewer, scenario.SubscriptionId, scenario.TableId, ct));
        var report = await service.CompareTableAsync(Operator, scenario.SubscriptionId, scenario.TableId, ct);

        Assert.Equal(("Done", 1L, 0L, 1L, 2, true), (report.State, report.Missing, report.Extra, report.Different, report.DifferencesKept, report.Differs));
        Assert.NotNull(report.Tick);
        Assert.Contains("email", report.Columns);
        var rows = await service.GetDifferencesAsync(Viewer, report.Id, 0, 100, ct);
        Assert.Equal(["Different 20 email", "Missing 10 "],
            rows.Select(r => $"{r.Kind} {r.Key[0]} {(r.Kind == "Different" ? string.Join(",", r.Columns) : "")}").Order(StringComparer.Ordinal));
        var history = await service.GetReportsAsync(Viewer, scenario.SubscriptionId, scenario.TableId, 10, ct);
        Assert.Equal([report.Id, equal.Id], history.Select(h => h.Id));
        var status = scenario.Engine.Services.GetRequiredService<ReplicationStatusQuery>();
        Assert.Equal(1, (await status.GetSummariesAsync(Viewer, ct)).Single().DifferingTableCount);
        Assert.True((await status.GetSubscriptionAsync(Viewer, scenario.SubscriptionId, ct)).Tables.Single().Differs);
    }

    [Fact]
    public async Task StartCompare_IsRefused_WhileTheTableIsCopying()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await CompareScenario.StartAsync(clusters, "cmp_refused", ct);
        var contexts = scenario.Engine.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        await using (var context = await contexts.CreateDbContextAsync(ct))
        {
            await context.TableRules.Where(t => t.Id == scenario.TableId)
                .ExecuteUpdateAsync(u => u.SetProperty(t => t.State, Ferry.Engine.Target.TableState.Copying), ct);
        }
        var service = scenario.Engine.Services.GetRequiredService<CompareService>();

        var refused = await Assert.ThrowsAsync<ReplicationRefusedException>(
            () => service.StartCompareAsync(Operator, scenario.SubscriptionId, scenario.TableId, ct));

        Assert.Equal(RefusalKind.Conflict, refused.Kind);
        Assert.Contains("is copying", refused.Message, StringComparison.Ordinal);
        await using var check = await contexts.CreateDbContextAsync(ct);
        Assert.Equal(0, await check.CompareReports.CountAsync(ct));
    }

    /// <summary>
    /// A Running report blocks its table while its run holds the report's lock in the control database (or, not yet claimed by
    /// a job, for a few minutes); once its process is gone (the session closed) the next compare starts at once and the
    /// orphan is marked failed, not after hours.
    /// </summary>
    [Fact]
    public async Task ARunningReport_BlocksWhileItsOwnerLives_AndNotAfterItsProcessDied()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await CompareScenario.StartAsync(clusters, "cmp_owner", ct);
        var service = scenario.Engine.Services.GetRequiredService<CompareService>();
        var contexts = scenario.Engine.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        var orphan = await service.StartCompareAsync(Operator, scenario.SubscriptionId, scenario.TableId, ct);
        var unclaimed = await Assert.ThrowsAsync<ReplicationRefusedException>(
            () => service.StartCompareAsync(Operator, scenario.SubscriptionId, scenario.TableId, ct));
        Assert.Contains("is running", unclaimed.Message, StringComparison.Ordinal);

        string control;
        await using (var context = await contexts.CreateDbContextAsync(ct))
        {
            control = context.Database.GetConnectionString()!;
            await context.CompareReports.Where(r => r.Id == orphan.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.StartedAt, DateTimeOffset.UtcNow.AddHours(-1)), ct);
        }
        await using (var owner = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(control) { Pooling = false }.ConnectionString))
        {
            await owner.OpenAsync(ct);
            await using (var claim = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_lock({0x66726370}, {orphan.Id})", owner))
            {
                await claim.ExecuteScalarAsync(ct);
            }
            var live = await Assert.ThrowsAsync<ReplicationRefusedException>(
                () => service.StartCompareAsync(Operator, scenario.SubscriptionId, scenario.TableId, ct));
            Assert.Contains("is running", live.Message, StringComparison.Ordinal);
            Assert.Equal("Running", (await service.RunCompareAsync(orphan.Id, ct)).State); // another session runs it: left alone
        }

        var next = await service.StartCompareAsync(Operator, scenario.SubscriptionId, scenario.TableId, ct);
        var lost = await service.GetReportAsync(Viewer, orphan.Id, ct);
        Assert.Equal("Failed", lost.State);
        Assert.Contains("process that ran this report stopped", lost.Error, StringComparison.Ordinal);
        Assert.Equal("Failed", (await service.RunCompareAsync(orphan.Id, ct)).State);
        Assert.Equal(("Done", false), ((await service.RunCompareAsync(next.Id, ct)).State, (await service.GetReportAsync(Viewer, next.Id, ct)).Differs));
    }
}
