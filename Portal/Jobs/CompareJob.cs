using Ferry.Engine.Replication.Compare;
using Hangfire;

namespace Ferry.Portal.Jobs;

/// <summary>
/// Runs started compares (docs/decisions/ADR-016-compare-and-repair.md), one after the other: the compares of one subscription
/// hold its consumer in turn, never at once.
/// </summary>
/// <remarks>
/// Not retried: a compare that failed keeps its error in its report, and the operator starts a new one. A report is run once
/// (<see cref="CompareService.RunCompareAsync"/> returns at once for a report that is no longer running).
/// </remarks>
public sealed class CompareJob(CompareService compares)
{
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(int[] reportIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reportIds);
        foreach (var id in reportIds)
        {
            await compares.RunCompareAsync(id, cancellationToken);
        }
    }
}
