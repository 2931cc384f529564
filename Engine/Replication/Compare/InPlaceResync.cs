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

    /// <summary>Resyncs one table in place; audited as <c>resync</c> (mode in-place) with the rows written and deleted.</summary>
    /// <exception cref="ReplicationRefusedException">The table is not ok (its copy has not caught up: resync it by a copy), a compare or repair of it runs, or it was not equal after <see cref="MaxRounds"/> rounds.</exception>
    public async Task<InPlaceResyncResult> ResyncAsync(ClaimsPrincipal user, int subscriptionId, int tableId, CancellationToken cancellationToken)
    {
        FerryRoles.Demand(user, FerryRoles.Operator);
        var started = await compares.StartCompareAsync(user, subscriptionId, tableId, cancellationToken).ConfigureAwait(false);
        var report = await compares.RunCompareAsync(started.Id, filterTarget: true, cancellationToken).ConfigureAwait(false);
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
}

