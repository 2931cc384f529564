using Ferry.Engine.Replication;
using Hangfire;

namespace Ferry.Portal.Jobs;

/// <summary>
/// Recurring job (every minute): starts the tickers and apply loops that should run and do not. The last resort: each
/// process's takeover timer (<see cref="LoopTakeover"/>) does the same every few seconds.
/// </summary>
/// <remarks>
/// Harmless when two portals run it at once (a loop started twice runs once, see <see cref="ApplyLoopJob"/>);
/// <see cref="DisableConcurrentExecutionAttribute"/> only saves the duplicate work.
/// </remarks>
public sealed class ReplicationSupervisorJob(ReplicationSupervisor supervisor)
{
    public const string RecurringJobId = "replication-supervisor";

    [DisableConcurrentExecution(timeoutInSeconds: 30)]
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(CancellationToken cancellationToken) => supervisor.StartMissingAsync(cancellationToken);
}
