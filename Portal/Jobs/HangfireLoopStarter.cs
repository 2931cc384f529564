using Ferry.Engine.Replication;
using Hangfire;

namespace Ferry.Portal.Jobs;

/// <summary>Starts loops as Hangfire jobs on <see cref="ReplicationQueues.Loops"/>.</summary>
public sealed class HangfireLoopStarter(IBackgroundJobClient jobs) : IReplicationLoopStarter
{
    public void StartTicker(int setId) =>
        jobs.Enqueue<TickerJob>(ReplicationQueues.Loops, job => job.RunAsync(setId, CancellationToken.None));

    public void StartApply(int subscriptionId) =>
        jobs.Enqueue<ApplyLoopJob>(ReplicationQueues.Loops, job => job.RunAsync(subscriptionId, CancellationToken.None));
}
