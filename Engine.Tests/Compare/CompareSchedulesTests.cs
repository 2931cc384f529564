using Ferry.Engine.Control;
using Ferry.Engine.Schedules;
using Ferry.Engine.Tests.Replication;
using Ferry.Engine.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Ferry.Engine.Tests.Compare;

/// <summary>
/// Compare schedules (docs/decisions/ADR-018-compare-portal-and-resync-in-place.md): a run of a table compare schedule with
/// repair after leaves a report that differs, a repair by the schedule, and a compare after it that finds nothing; a
/// subscription compare without repair only reports. Validation refuses repair after a resync and a table compare without
/// its table.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CompareSchedulesTests(ClusterFixture clusters)
{
    [Fact]
    public async Task ScheduledCompare_ReportsAndRepairs_AsTheSchedule()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scenario = await CompareScenario.StartAsync(clusters, "cmp_schedule", ct);
        await CompareScenario.ExecuteAsync(scenario.Target, "DELETE FROM digoal_02.user_info WHERE userid IN (4, 5)");
        var contexts = scenario.Engine.Services.GetRequiredService<IDbContextFactory<ControlDbContext>>();
        int onlyReport, withRepair;
        await using (var context = await contexts.CreateDbContextAsync(ct))
        {
            var report = new Schedule { Name = "report", Cron = "0 3 * * *", Kind = ScheduleKind.Compare, SubscriptionId = scenario.SubscriptionId };
            var repair = new Schedule
            {
                Name = "nightly", Cron = "0 4 * * *", Kind = ScheduleKind.CompareTable, SubscriptionId = scenario.SubscriptionId,
                TableRuleId = scenario.TableId, RepairAfter = true,
            };
            context.Schedules.AddRange(report, repair);
            await context.SaveChangesAsync(ct);
            (onlyReport, withRepair) = (report.Id, repair.Id);
        }
        var run = scenario.Engine.Services.GetRequiredService<ScheduledResync>();

        await run.RunAsync(onlyReport, ct);
        await run.RunAsync(withRepair, ct);

        await using (var context = await contexts.CreateDbContextAsync(ct))
        {
            var reports = await context.CompareReports.OrderBy(r => r.Id).ToListAsync(ct);
            Assert.Equal(
                [("schedule:report", 2L, (int?)null), ("schedule:nightly", 2L, null), ("schedule:nightly", 0L, reports[1].Id)],
                reports.Select(r => (r.RequestedBy, r.Missing, r.RepairOfReportId)));
            Assert.Equal(2L, reports[2].RepairWritten);
            Assert.Equal("schedule:nightly", (await context.AuditEntries.SingleAsync(a => a.Action == "repair", ct)).UserName);
        }
        var refused = Assert.Throws<RequestRefusedException>(() => ScheduleAdministration.Validate(
            new ScheduleInput("x", "0 3 * * *", "Etc/UTC", ScheduleKind.ResyncTable, scenario.SubscriptionId, scenario.TableId, RepairAfter: true)));
        Assert.Contains("Only a compare schedule can repair", refused.Message, StringComparison.Ordinal);
        refused = Assert.Throws<RequestRefusedException>(() => ScheduleAdministration.Validate(
            new ScheduleInput("x", "0 3 * * *", "Etc/UTC", ScheduleKind.CompareTable, scenario.SubscriptionId, null)));
        Assert.Contains("A table compare needs the table", refused.Message, StringComparison.Ordinal);
    }
}
