using System.Security.Claims;
using Ferry.Engine.Control;
using Ferry.Engine.Replication.Internal;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Ferry.Engine.Replication.Compare;

/// <summary>
/// A resync that never empties the target (docs/decisions/ADR-018-compare-portal-and-resync-in-place.md): the table is
/// compared with its source at a consistent point (the target read with the rule's filter, so rows the rule does not own
/// stay), then repaired by chunks of at most <c>Compare:MaxDifferencesKept</c> rows, each chunk one short target transaction
/// at a consistent point of its own, until a compare finds nothing. Readers of the target see every row that exists on the
/// source the whole time and wait on no lock (rows are upserted and deleted by key, never truncated or swapped).
/// </summary>
public sealed class InPlaceResync(
    CompareService compares, RepairService repairs, IDbContextFactory<ControlDbContext> contexts, TimeProvider time, ILogger<InPlaceResync> logger)
{
    /// <summary>Repair rounds before giving up (a source changing faster than a round repairs).</summary>
    public const int MaxRounds = 10;

    private readonly ReplicationAudit _audit = new(time, logger);

    /// <summary>Resyncs one table in place in the caller; audited as <c>resync</c> (mode in-place) with the rows written and deleted.</summary>
    /// <exception cref="ReplicationRefusedException">As <see cref="StartAsync"/>, or the resync stopped (<see cref="RunAsync"/>).</exception>
    public async Task<InPlaceResyncResult> ResyncAsync(ClaimsPrincipal user, int subscriptionId, int tableId, CancellationToken cancellationToken)
    {
        var started = await StartAsync(user, subscriptionId, tableId, cancellationToken).ConfigureAwait(false);
        return await RunAsync(started.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a resync in place: its first compare's report, in state Running; <see cref="RunAsync"/> runs it (a background job).</summary>
    /// <exception cref="ReplicationRefusedException">Not found, the table is not ok (its copy has not caught up: resync it by a copy), or a compare or repair of it runs.</exception>
    public Task<CompareReportInfo> StartAsync(ClaimsPrincipal user, int subscriptionId, int tableId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        return compares.StartCompareAsync(user, subscriptionId, tableId, cancellationToken);
    }

    /// <summary>
    /// Runs a started resync in place as its requester: compare, then repair rounds until equal.
    /// </summary>
    /// <exception cref="ReplicationRefusedException">A compare or repair was refused or failed, or the table still differed after <see cref="MaxRounds"/> rounds.</exception>
    public async Task<InPlaceResyncResult> RunAsync(int reportId, CancellationToken cancellationToken)
    {
        var report = await compares.RunCompareAsync(reportId, filterTarget: true, cancellationToken).ConfigureAwait(false);
        var user = Requester(report.RequestedBy);
        var (subscriptionId, tableId) = (report.SubscriptionId, report.TableId);
        var (rounds, written, deleted) = (0, 0L, 0L);
        while (report is { State: "Done", Differs: true } && rounds < MaxRounds)
        {
            rounds++;
            var repair = await repairs.StartRepairAsync(user, report.Id, partial: true, cancellationToken).ConfigureAwait(false);
            if (await repairs.RunRepairAsync(repair.Id, resync: true, cancellationToken).ConfigureAwait(false) is not { } outcome)
            {
                report = await compares.GetReportAsync(user, repair.Id, cancellationToken).ConfigureAwait(false);
                break;
            }
            (written, deleted) = (written + outcome.Repair.Written, deleted + outcome.Repair.Deleted);
            report = outcome.Compare;
        }
        if (report.State != "Done" || report.Differs)
        {
            throw ReplicationRefusedException.Conflict(report.State != "Done"
                ? $"The resync in place of {report.Table} stopped: {report.Error} (report {report.Id})."
                : $"{report.Table} still differs after {MaxRounds} rounds of repair (report {report.Id}): the source changes faster than "
                  + "a round repairs; resync it by a copy instead.");
        }
        await using (var context = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false))
        {
            await _audit.AuditAsync(context, user, "resync", TableRuleRecord.AuditEntityType, tableId, null,
                new { mode = "in-place", reportId = report.Id, rounds, written, deleted }, subscriptionId, cancellationToken).ConfigureAwait(false);
        }
        return new InPlaceResyncResult(report, rounds, written, deleted);
    }

    /// <summary>The requester, checked as an Operator when the resync started, for the repairs and the audit of its job.</summary>
    private static ClaimsPrincipal Requester(string name) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, FerryRoles.Operator)], "ferry-job"));
}
