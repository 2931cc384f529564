using Ferry.Engine.Replication.Compare;
using Hangfire;

namespace Ferry.Portal.Jobs;

/// <summary>
/// Runs a started resync in place (docs/decisions/ADR-018-compare-portal-and-resync-in-place.md): compare, then repair rounds
/// until equal. Not retried: each round's report keeps what happened, and the operator starts a new one.
/// </summary>
public sealed class ResyncInPlaceJob(InPlaceResync resync)
{
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(int reportId, CancellationToken cancellationToken) => resync.RunAsync(reportId, cancellationToken);
}
