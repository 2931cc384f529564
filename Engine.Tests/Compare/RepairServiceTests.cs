using Ferry.Engine.Control;
using Ferry.Engine.Replication;
using Ferry.Engine.Replication.Compare;
using Ferry.Engine.Replication.Tables;
using Ferry.Engine.Tests.Replication;
using Ferry.Engine.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Ferry.Engine.Tests.Support.SeedChecks;

namespace Ferry.Engine.Tests.Compare;

/// <summary>
/// Repair from a compare report, PostgreSQL 13 → 18, filtered and renamed, while a workload writes the table: the preview,
/// one target transaction, the audit entry, a second compare that finds nothing, equal ordered hashes; and the refusal of a
/// report older than the last resync.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RepairServiceTests(ClusterFixture clusters)
{
    private static readonly System.Security.Claims.ClaimsPrincipal Operator = ReplicationTestEnvironment.User("olga", FerryRoles.Operator);
    private static readonly System.Security.Claims.ClaimsPrincipal Viewer = ReplicationTestEnvironment.User("victor", FerryRoles.Viewer);

    [Fact]
    public async Task Repair_MakesTheOrderedHashesEqual_WhileTheSourceIsWritten_AndAnOldReportIsRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await CompareScenario.StartAsync(clusters, "cmp_repair", ct);
        var compares = scenario.Engine.Services.GetRequiredService<CompareService>();
        var repairs = scenario.Engine.Services.GetRequiredService<RepairService>();
        await CompareScenario.ExecuteAsync(scenario.Target, """
            DELETE FROM digoal_02.user_info WHERE userid IN (3, 4);
            UPDATE digoal_02.user_info SET cnname = NULL, qq = 0 WHERE userid = 5;
            UPDATE digoal_02.user_info SET userid = -8 WHERE userid = 8;
            INSERT INTO digoal_02.user_info (userid, engname) VALUES (-1, 'extra'), (1950, 'outside the filter');
            """);
        using var stop = new CancellationTokenSource();
        var workload = scenario.WorkloadAsync(stop.Token);
        var report = await compares.CompareTableAsync(Operator, scenario.SubscriptionId, scenario.TableId, ct);
        Assert.Equal((3L, 3L, 1L), (report.Missing, report.Extra, report.Different));

        await Assert.ThrowsAsync<AccessDeniedException>(() => repairs.PreviewAsync(Viewer, report.Id, ct));
        var preview = await repairs.PreviewAsync(Operator, report.Id, ct);
        Assert.Equal((4L, 3L, 7), (preview.Writes, preview.Deletes, preview.SampleStatements.Count));
        Assert.Contains(preview.SampleStatements, s => s.StartsWith("DELETE FROM \"digoal_02\".\"user_info\" WHERE \"userid\" = '-1';", StringComparison.Ordinal));
        Assert.Contains(preview.SampleStatements, s => s.StartsWith("INSERT INTO \"digoal_02\".\"user_info\"", StringComparison.Ordinal)
            && s.Contains("'5', 'digoal.zhou', '德哥'", StringComparison.Ordinal));

        var outcome = await repairs.RepairAsync(Operator, report.Id, ct);
        Assert.Equal((4L, 3L), (outcome.Repair.Written, outcome.Repair.Deleted));
        Assert.True(outcome.Repair.Tick > report.Tick);
        Assert.Equal(("Done", false, 1000L), (outcome.Compare.State, outcome.Compare.Differs, outcome.Compare.TargetRows));
        await stop.CancelAsync();
        Assert.True(await workload > 20, "the workload hardly ran");
        var expected = await HashAsync(scenario.Source, "digoal_01.user_info", UserInfoColumns, CompareScenario.Filter);
        await Eventually.WaitAsync(() => HashAsync(scenario.Target, "digoal_02.user_info", UserInfoColumns), h => h == expected,
            TimeSpan.FromSeconds(30), h => $"target {h}, source {expected}");
        await using (var context = await scenario.Engine.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>().CreateDbContextAsync(ct))
        {
            var audit = await context.AuditEntries.SingleAsync(a => a.Action == "repair", ct);
            Assert.Equal("olga", audit.UserName);
            Assert.Equal(4, audit.After!.RootElement.GetProperty("written").GetInt64());
        }

        // The report was made before this resync: repairing from it could undo rows the copy brought.
        await CompareScenario.ExecuteAsync(scenario.Target, "DELETE FROM digoal_02.user_info WHERE userid = 11");
        var stale = await compares.CompareTableAsync(Operator, scenario.SubscriptionId, scenario.TableId, ct);
        Assert.True(stale.Differs);
        await scenario.Engine.Services.GetRequiredService<TableRuleService>().ResyncTableAsync(Operator, scenario.SubscriptionId, scenario.TableId, ct);
        var refused = await Assert.ThrowsAsync<ReplicationRefusedException>(() => repairs.RepairAsync(Operator, stale.Id, ct));
        Assert.Contains("older than the last copy or resync", refused.Message, StringComparison.Ordinal);
    }
}
