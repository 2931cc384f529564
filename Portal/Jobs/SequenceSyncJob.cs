using Ferry.Engine.Replication;
using Hangfire;

namespace Ferry.Portal.Jobs;

/// <summary>Recurring job: carries sequence values of every active subscription to its target (never backwards).</summary>
public sealed class SequenceSyncJob(ReplicationHousekeeping housekeeping)
{
    public const string RecurringJobId = "sequence-sync";

    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(CancellationToken cancellationToken) => housekeeping.SyncSequencesAsync(cancellationToken);
}
