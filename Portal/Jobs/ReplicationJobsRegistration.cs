using Hangfire;
using Microsoft.Extensions.Options;

namespace Ferry.Portal.Jobs;

/// <summary>At startup: registers the replication's recurring jobs and, when this process runs jobs, runs the supervisor once.</summary>
public sealed class ReplicationJobsRegistration(
    IRecurringJobManager recurring, IOptions<ReplicationJobsOptions> options, IOptions<JobsOptions> jobs) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        recurring.AddOrUpdate<ReplicationSupervisorJob>(
            ReplicationSupervisorJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), settings.SupervisorCron);
        recurring.AddOrUpdate<QueueMaintenanceJob>(
            QueueMaintenanceJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), settings.MaintenanceCron);
        recurring.AddOrUpdate<SequenceSyncJob>(
            SequenceSyncJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), settings.SequenceSyncCron);
        if (jobs.Value.RunServer)
        {
            // After a restart the loops start now, not at the next minute.
            recurring.Trigger(ReplicationSupervisorJob.RecurringJobId);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
