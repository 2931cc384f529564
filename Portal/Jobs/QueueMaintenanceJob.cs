using Ferry.Engine.Replication;
using Hangfire;

namespace Ferry.Portal.Jobs;

/// <summary>Recurring job: rotation, retries and tick cleanup of every set's queue.</summary>
/// <remarks>
/// Each step is safe from several processes at once (see <see cref="ReplicationHousekeeping"/>); the attribute only saves
/// duplicate work.
/// </remarks>
public sealed class QueueMaintenanceJob(ReplicationHousekeeping housekeeping)
{
    public const string RecurringJobId = "queue-maintenance";

    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(CancellationToken cancellationToken) => housekeeping.RunMaintenanceAsync(cancellationToken);
}
