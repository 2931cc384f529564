using Ferry.Engine.Nodes;
using Hangfire;

namespace Ferry.Portal.Jobs;

/// <summary>Recurring job: connects to every node and records its server version (or why it did not answer).</summary>
/// <remarks>
/// Several portals may share the control database; <see cref="DisableConcurrentExecutionAttribute"/> keeps one probe
/// round at a time across all of them (a second one waits for the lock, then probes again, which is harmless).
/// </remarks>
public sealed class NodeHealthProbeJob(NodeHealthProbe probe)
{
    public const string RecurringJobId = "node-health-probe";

    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(CancellationToken cancellationToken) => probe.ProbeAllAsync(cancellationToken);
}
