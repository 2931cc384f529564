using Ferry.Engine.Replication;
using Hangfire;

namespace Ferry.Portal.Jobs;

/// <summary>Runs the ticker of one set's queue until the set is dropped or the portal stops.</summary>
/// <remarks>One ticker per set: <see cref="SetTickerRunner"/> holds an advisory lock keyed by the set id (see its remarks).</remarks>
public sealed class TickerJob(SetTickerRunner runner)
{
    [Queue(ReplicationQueues.Loops)]
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(int setId, CancellationToken cancellationToken) => runner.RunAsync(setId, cancellationToken);
}
