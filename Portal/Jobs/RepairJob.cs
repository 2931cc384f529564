using Ferry.Engine.Replication.Compare;
using Hangfire;

namespace Ferry.Portal.Jobs;

/// <summary>
/// Runs a started repair (docs/decisions/ADR-018-compare-portal-and-resync-in-place.md): the rows written on the target, then
/// the table compared again into the same report. Not retried: a repair that was refused or failed keeps its reason in its
/// report, and a report is run once (<see cref="RepairService.RunRepairAsync"/> returns at once for one no longer running).
/// </summary>
public sealed class RepairJob(RepairService repairs)
{
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(int repairId, CancellationToken cancellationToken) => repairs.RunRepairAsync(repairId, cancellationToken);
}
