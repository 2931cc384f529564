using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Replication.Compare;
using Ferry.Engine.Schedules;
using Microsoft.EntityFrameworkCore;

namespace Ferry.Engine.Replication;

/// <summary>
/// What a scheduled compare runs (docs/decisions/ADR-018-compare-portal-and-resync-in-place.md), acting as the schedule (an
/// Operator named after it): a compare report per table, and with repair after, a repair from each report that differs
/// (refused, and the job failed with the reason, when the report keeps only part of its differences: resync instead).
/// </summary>
public sealed class ReplicationCompareRunner(CompareService compares, RepairService repairs, IDbContextFactory<ControlDbContext> contexts)
    : ICompareRunner
{
    public async Task CompareTableAsync(int tableRuleId, string requestedBy, bool repairAfter, CancellationToken cancellationToken)
    {
        int subscriptionId;
        await using (var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            subscriptionId = await context.TableRules.Where(t => t.Id == tableRuleId).Select(t => (int?)t.SubscriptionId)
                .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new EntityNotFoundException($"Table rule {tableRuleId} no longer exists: delete or edit the schedule.");
        }
        var user = Schedule(requestedBy);
        var started = await compares.StartCompareAsync(user, subscriptionId, tableRuleId, cancellationToken).ConfigureAwait(false);
        await RunAsync(user, started.Id, repairAfter, cancellationToken).ConfigureAwait(false);
    }

    public async Task CompareSubscriptionAsync(int subscriptionId, string requestedBy, bool repairAfter, CancellationToken cancellationToken)
    {
        var user = Schedule(requestedBy);
        foreach (var report in await compares.StartSubscriptionCompareAsync(user, subscriptionId, cancellationToken).ConfigureAwait(false))
        {
            await RunAsync(user, report.Id, repairAfter, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RunAsync(ClaimsPrincipal user, int reportId, bool repairAfter, CancellationToken cancellationToken)
    {
        var report = await compares.RunCompareAsync(reportId, cancellationToken).ConfigureAwait(false);
        if (repairAfter && report.Differs)
        {
            await repairs.RepairAsync(user, report.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    private static ClaimsPrincipal Schedule(string name) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, FerryRoles.Operator)], "schedule"));
}
