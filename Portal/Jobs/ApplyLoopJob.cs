using Ferry.Engine.Replication;
using Hangfire;

namespace Ferry.Portal.Jobs;

/// <summary>Runs one subscription's apply loop (and its copies) until it is paused, dropped, in error, or the portal stops.</summary>
/// <remarks>
/// One runner per subscription across every portal on the control database: <see cref="SubscriptionRunner"/> holds an
/// advisory lock keyed by the subscription id for as long as it runs; a second job for the same subscription (a start
/// request racing the supervisor, another portal) finds it taken and ends at once. No Hangfire retries: when the loop
/// ends, the supervisor decides whether it should run again.
/// </remarks>
public sealed class ApplyLoopJob(SubscriptionRunner runner)
{
    [Queue(ReplicationQueues.Loops)]
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(int subscriptionId, CancellationToken cancellationToken) => runner.RunAsync(subscriptionId, cancellationToken);
}
