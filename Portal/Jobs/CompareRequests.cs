using System.Security.Claims;
using Ferry.Engine.Replication.Compare;
using Hangfire;

namespace Ferry.Portal.Jobs;

/// <summary>
/// Compares and repairs that the portal's pages and <c>/api</c> start: the engine's service checks and stores the report in
/// state Running, a Hangfire job runs it (docs/decisions/ADR-018-compare-portal-and-resync-in-place.md), never the request.
/// </summary>
public sealed class CompareRequests(CompareService compares, RepairService repairs, InPlaceResync inPlace, IBackgroundJobClient jobs)
{
    /// <summary>Starts a compare of one table (Operator).</summary>
    public async Task<CompareReportInfo> CompareTableAsync(ClaimsPrincipal user, int subscriptionId, int tableId, CancellationToken cancellationToken)
    {
        var report = await compares.StartCompareAsync(user, subscriptionId, tableId, cancellationToken);
        jobs.Enqueue<CompareJob>(job => job.RunAsync(new[] { report.Id }, CancellationToken.None));
        return report;
    }

    /// <summary>Starts a compare of every table of the subscription that is ok, run one after the other (Operator).</summary>
    public async Task<IReadOnlyList<CompareReportInfo>> CompareSubscriptionAsync(ClaimsPrincipal user, int subscriptionId, CancellationToken cancellationToken)
    {
        var reports = await compares.StartSubscriptionCompareAsync(user, subscriptionId, cancellationToken);
        var ids = reports.Select(r => r.Id).ToArray();
        jobs.Enqueue<CompareJob>(job => job.RunAsync(ids, CancellationToken.None));
        return reports;
    }

    /// <summary>Starts a repair from a compare report; the answer is the repair's own report (Operator).</summary>
    public async Task<CompareReportInfo> RepairAsync(ClaimsPrincipal user, int reportId, CancellationToken cancellationToken)
    {
        var repair = await repairs.StartRepairAsync(user, reportId, cancellationToken);
        jobs.Enqueue<RepairJob>(job => job.RunAsync(repair.Id, CancellationToken.None));
        return repair;
    }

    /// <summary>Starts a resync in place of a table that is ok (Operator); the answer is its first compare's report.</summary>
    public async Task<CompareReportInfo> ResyncInPlaceAsync(ClaimsPrincipal user, int subscriptionId, int tableId, CancellationToken cancellationToken)
    {
        var report = await inPlace.StartAsync(user, subscriptionId, tableId, cancellationToken);
        jobs.Enqueue<ResyncInPlaceJob>(job => job.RunAsync(report.Id, CancellationToken.None));
        return report;
    }
}
