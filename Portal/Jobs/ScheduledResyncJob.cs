using Ferry.Engine.Schedules;
using Hangfire;

namespace Ferry.Portal.Jobs;

/// <summary>The recurring job of one user schedule (id <c>schedule-{id}</c> under <c>/jobs</c>).</summary>
/// <remarks>
/// One run per schedule at a time across every portal sharing the control database: a run that finds the previous one
/// still going waits for its lock (up to 10 minutes), then fails rather than resync twice at once.
/// </remarks>
public sealed class ScheduledResyncJob(ScheduledResync resync)
{
    [DisableConcurrentExecution("ferry:schedule:{0}", 600)]
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(int scheduleId, CancellationToken cancellationToken) => resync.RunAsync(scheduleId, cancellationToken);
}
